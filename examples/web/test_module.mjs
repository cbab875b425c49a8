// The page's WebAssembly module in Node (node --test examples/web/test_module.mjs):
//  - its exports refuse bad settings without touching the current run;
//  - a run trains, evaluates, fills the grid and the points as the page reads them;
//  - with STACKNET_WEB_FIGURES=FILE (the output of `cargo run --release --bin figures`, run
//    natively), every lesson replayed on the module's scalar tier ends with the same bits:
//    steps, loss, accuracy, clipped steps and refusal, so the browser trains exactly as
//    x86_64 does;
//  - the simd128 tier (when built in) trains the reference run to the same accuracy.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { test } from 'node:test';

const here = dirname(fileURLToPath(import.meta.url));
const wasm = process.env.STACKNET_WEB_WASM ?? join(here, 'stacknet_web.wasm');
const { instance } = await WebAssembly.instantiate(readFileSync(wasm), {});
const w = instance.exports;
const SCALAR = 1;
const SIMD128 = 6;
const f32 = (x) => Math.fround(x);
const bitsOf = (x) => new Uint32Array(new Float32Array([x]).buffer)[0];

// hidden, batch, bias, seed, lr, decay, a, b, clip, reg, tier
const REFERENCE = [10, 300, 1, 1, 2, 0, 0, 0, 0, 1e-4, SCALAR];

function trainAll(limit) {
  let n = 0;
  for (let k; (k = w.sn_train(1000, limit)) > 0;) n += k;
  return n;
}

test('compiled widths and batch sizes are exported', () => {
  const widths = Array.from({ length: w.sn_width_count() }, (_, i) => w.sn_width(i));
  assert.deepEqual(widths, [2, 3, 4, 5, 8, 10, 20, 50, 100]);
  const batches = Array.from({ length: w.sn_batch_count() }, (_, i) => w.sn_batch(i));
  assert.deepEqual(batches, [10, 25, 300]);
  assert.equal(w.sn_width(99), 0);
  assert.equal(w.sn_tier_available(SCALAR), 1);
  assert.equal(w.sn_tier_available(3), 0, 'avx2fma is not a wasm tier');
});

test('bad settings are refused and leave the run as it was', () => {
  assert.equal(w.sn_reset(...REFERENCE), 0);
  assert.equal(w.sn_train(7, 100), 7);
  const bad = [
    [[7, ...REFERENCE.slice(1)], -1],
    [[10, 30, ...REFERENCE.slice(2)], -2],
    [[10, 300, 1, 1, 0, ...REFERENCE.slice(5)], -3],
    [[10, 300, 1, 1, NaN, ...REFERENCE.slice(5)], -3],
    [[10, 300, 1, 1, Infinity, ...REFERENCE.slice(5)], -3],
    [[10, 300, 1, 1, 2, 3, 0, 0, 0, 1e-4, SCALAR], -4],
    [[10, 300, 1, 1, 2, 1, -1, 0, 0, 1e-4, SCALAR], -4],
    [[10, 300, 1, 1, 2, 2, 0, 0.5, 0, 1e-4, SCALAR], -4],
    [[10, 300, 1, 1, 2, 2, 100, 1.5, 0, 1e-4, SCALAR], -4],
    [[10, 300, 1, 1, 2, 0, 0, 0, NaN, 1e-4, SCALAR], -5],
    [[10, 300, 1, 1, 2, 0, 0, 0, Infinity, 1e-4, SCALAR], -5],
    [[10, 300, 1, 1, 2, 0, 0, 0, 0, -1, SCALAR], -6],
    [[10, 300, 1, 1, 2, 0, 0, 0, 0, 1e-4, 3], -7],
    [[10, 300, 1, 1, 2, 0, 0, 0, 0, 1e-4, 99], -7],
  ];
  for (const [args, code] of bad) {
    assert.equal(w.sn_reset(...args), code, `sn_reset(${args})`);
    assert.equal(w.sn_steps(), 7, `sn_reset(${args}) changed the run`);
  }
  assert.equal(w.sn_active_tier(), SCALAR, 'a refused reset changed the tier');
});

test('a run trains and the page can read it', () => {
  assert.equal(w.sn_reset(...REFERENCE), 0);
  const acc0 = w.sn_eval_accuracy();
  assert.equal(w.sn_steps(), 0);
  assert.equal(trainAll(3000), 3000);
  assert.equal(w.sn_train(10, 3000), 0, "the step limit holds");
  assert.equal(w.sn_eval(), 0);
  assert.ok(w.sn_eval_accuracy() > acc0, 'accuracy rose');
  assert.ok(Number.isFinite(w.sn_batch_loss()) && w.sn_batch_loss() > 0);
  assert.equal(w.sn_lr(), 2);
  const e = w.sn_extent();
  assert.ok(e >= 1 && Number.isInteger(e));
  const pts = new Float32Array(w.memory.buffer, w.sn_points(), 300 * 4);
  for (let i = 0; i < 300; i++) {
    const [x, y, label, pred] = pts.subarray(4 * i, 4 * i + 4);
    assert.ok(Math.abs(x) <= e && Math.abs(y) <= e);
    assert.equal(label, (x > 0) !== (y > 0) ? 1 : 0, `label of point ${i}`);
    assert.ok(pred === 0 || pred === 1);
  }
  const hits = Array.from({ length: 300 }, (_, i) => pts[4 * i + 2] === pts[4 * i + 3]).filter(Boolean).length;
  assert.equal(f32(hits / 300), w.sn_eval_accuracy());
  const n = 40;
  const grid = new Float32Array(w.memory.buffer, w.sn_grid(n), n * n * 2);
  assert.ok(grid.every((v) => v > 0 && v < 1), 'sigmoid outputs');
  // The corners: top-left (x < 0, y > 0) is class 1, bottom-left class 0, as XOR of signs.
  const cls = (r, c) => (grid[2 * (r * n + c) + 1] > grid[2 * (r * n + c)] ? 1 : 0);
  assert.deepEqual([cls(2, 2), cls(2, n - 3), cls(n - 3, 2), cls(n - 3, n - 3)], [1, 0, 0, 1]);
  assert.equal(w.sn_grid(0), 0);
  assert.equal(w.sn_grid(161), 0);
});

test('a non-finite loss is refused and the run stops there', () => {
  assert.equal(w.sn_reset(50, 300, 1, 1, 1e7, 0, 0, 0, 0, 1e-4, SCALAR), 0);
  const steps = trainAll(10000);
  assert.equal(w.sn_refusal(), 3, 'NonFiniteLoss');
  assert.equal(w.sn_refused_step(), steps + 1);
  assert.equal(w.sn_train(100, 10000), 0, 'no step after a refusal');
  assert.equal(w.sn_eval(), 0);
  assert.equal(w.sn_eval_loss(), Infinity);
});

const figures = process.env.STACKNET_WEB_FIGURES;
test('every lesson on the scalar tier ends with the native run\'s bits', { skip: !figures && 'STACKNET_WEB_FIGURES not set' }, () => {
  const lines = readFileSync(figures, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.ok(lines.length >= 8);
  for (const want of lines) {
    assert.equal(w.sn_reset(...want.reset), 0, want.name);
    trainAll(want.limit);
    assert.equal(w.sn_eval(), 0);
    const got = {
      steps: w.sn_steps(),
      loss_bits: bitsOf(w.sn_eval_loss()),
      accuracy: w.sn_eval_accuracy(),
      clipped: w.sn_clipped(),
      refusal: w.sn_refusal(),
      refused_step: w.sn_refused_step(),
    };
    const exp = {
      steps: want.steps,
      loss_bits: want.loss_bits,
      accuracy: f32(want.accuracy),
      clipped: want.clipped,
      refusal: want.refusal,
      refused_step: want.refused_step,
    };
    assert.deepEqual(got, exp, `${want.name}: wasm scalar differs from native`);
    console.log(`# ${want.name}: ${got.steps} steps, loss ${w.sn_eval_loss()}, accuracy ${got.accuracy.toFixed(4)}: same bits`);
  }
});

test('the simd128 tier trains the reference run', { skip: !w.sn_tier_available(SIMD128) && 'built without simd128' }, () => {
  assert.equal(w.sn_best_tier(), SIMD128);
  assert.equal(w.sn_reset(...REFERENCE.slice(0, 10), SIMD128), 0);
  assert.equal(w.sn_active_tier(), SIMD128);
  trainAll(10000);
  assert.equal(w.sn_eval(), 0);
  assert.ok(w.sn_eval_accuracy() >= 0.97, `accuracy ${w.sn_eval_accuracy()}`);
  assert.ok(Math.abs(w.sn_eval_loss() - 0.014565) < 1e-4, `loss ${w.sn_eval_loss()}`);
});
