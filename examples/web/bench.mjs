// Time per training step of the benchmark shapes (batch × hidden: 4×3, 50×10, 300×50,
// 256×256) in the page's WebAssembly module under Node, on each tier of the build (simd128,
// scalar): the same exports and the same method as `cargo run --release --bin bench` runs
// natively (min of 7 runs of ~50 ms after a warm-up, µs per step).
//   node examples/web/bench.mjs [stacknet_web.wasm]
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const file = process.argv[2] ?? join(here, 'stacknet_web.wasm');
const { instance } = await WebAssembly.instantiate(readFileSync(file), {});
const w = instance.exports;
const SHAPES = ['4x3', '50x10', '300x50', '256x256'];
const TIERS = [[6, 'simd128'], [1, 'scalar']];

function timeStep() {
  const run = (n) => {
    const t = performance.now();
    if (w.sn_bench_run(n) !== 0) throw new Error('benchmark step refused');
    return (performance.now() - t) / 1000;
  };
  let n = 1;
  while (run(n) < 0.05) n *= 2;
  let best = Infinity;
  for (let i = 0; i < 7; i++) best = Math.min(best, run(n));
  return (best * 1e6) / n;
}

console.log(`wasm32 in Node ${process.version}, µs per training step, min of 7 runs of ~50 ms`);
console.log(['tier'.padEnd(10), ...SHAPES.map((s) => s.padStart(9))].join(' '));
for (const [code, name] of TIERS) {
  if (!w.sn_tier_available(code)) continue;
  const row = [name.padEnd(10)];
  for (let s = 0; s < SHAPES.length; s++) {
    if (w.sn_bench_setup(s, code) !== 0) throw new Error(`setup ${SHAPES[s]} on ${name}`);
    row.push(timeStep().toFixed(3).padStart(9));
  }
  console.log(row.join(' '));
}
