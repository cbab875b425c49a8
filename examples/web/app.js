// The live XOR page: loads stacknet_web.wasm (examples/web/src/lib.rs), trains a few steps per
// animation frame and redraws the decision boundary, the loss and the accuracy curves.
// No dependencies, no build step for this file.

const TIER_NAMES = { 1: 'scalar', 2: 'sse2', 3: 'avx2fma', 4: 'avx512', 5: 'neon', 6: 'simd128' };
const REFUSAL_REASONS = {
  1: 'an input is not finite',
  2: 'a target is not finite',
  3: 'the loss is not finite',
  4: 'a gradient is not finite',
  5: 'the update would make a parameter overflow',
};
const SETTING_ERRORS = {
  '-1': 'that hidden width is not compiled into the module',
  '-2': 'that batch size is not compiled into the module',
  '-3': 'the learning rate must be a finite number > 0',
  '-4': 'decay needs a rate ≥ 0, or every ≥ 1 step and a factor in (0, 1]',
  '-5': 'the clipping threshold must be a finite number > 0',
  '-6': 'the ridge coefficient must be a finite number ≥ 0',
  '-7': 'that kernel tier is not in this build',
  '-9': 'the module was busy',
};
const GRID = 110; // cells per side of the boundary picture
const FRAME_BUDGET_MS = 12; // training time per frame at most, so the page never stalls
const COLORS = { c0: [47, 111, 181], c1: [224, 123, 36] };

const DEFAULTS = {
  hidden: 10, batch: 300, bias: true, lr: 2, decay: 0, rate: 0.0005, every: 100, factor: 0.5,
  clipOn: false, clip: 0.05, reg: 1e-4, seed: 1, limit: 10000,
};
// The article's lessons (docs/xor.md); the figures quoted are the scalar tier's, which the
// page reproduces exactly; the simd128 tier rounds some sums differently and ends close by.
const PRESETS = {
  reference: {
    set: {},
    text: 'The reference run: 2-10-2 with biases, full batch, η = 2. It is near 0.97 accuracy '
      + 'after 2 000 steps and ends at 0.993.',
  },
  hidden3: {
    set: { hidden: 3 },
    text: 'Three sigmoid units give only three soft lines to build the regions from: the run ends '
      + 'at 0.92 accuracy with a loss five times that of the reference.',
  },
  'wide-lr50': {
    set: { hidden: 50, lr: 50 },
    text: '50 hidden units all push each output the same way, so the first update at η = 50 saturates '
      + 'the output sigmoids: every point gets one class (accuracy ≈ 0.5, loss 0.5), and the '
      + 'saturated sigmoids pass back gradients too small to recover.',
  },
  'wide-lr50-clip': {
    set: { hidden: 50, lr: 50, clipOn: true, clip: 0.05 },
    text: 'The same run with the gradient norm clipped to 0.05: no step can saturate the network, '
      + 'and it reaches 1.00. (Decay cannot save the full-batch run: it is ruined at step 1, '
      + 'at the full rate.)',
  },
  'wide-batch25-lr30': {
    set: { hidden: 50, batch: 25, lr: 30, seed: 2 },
    text: 'Mini-batches of 25 at η = 30 (seed 2): the network saturates early and, at a constant '
      + 'rate, only half recovers (0.79).',
  },
  'wide-batch25-lr30-decay': {
    set: { hidden: 50, batch: 25, lr: 30, seed: 2, decay: 1, rate: 0.0005 },
    text: 'The same with η·e^(−0.0005·t): as η falls the network escapes the saturation around '
      + 'step 3 500 and converges (0.99).',
  },
  'no-bias': {
    set: { bias: false },
    text: 'Without biases the outputs differ by a constant plus an odd function of the input, but '
      + 'the XOR label is even (x and −x share it): no training gets far past 75 %, and this seed '
      + 'stays near 0.53.',
  },
  refused: {
    set: { hidden: 50, lr: 1e7 },
    text: 'At η = 10⁷ the ridge term alone makes the weights grow 2.3× per step until the loss '
      + 'overflows f32: train_step refuses that step and leaves the network as it was.',
  },
};

const $ = (id) => document.getElementById(id);
const errors = [];
window.addEventListener('error', (e) => errors.push(String(e.message)));
window.addEventListener('unhandledrejection', (e) => errors.push(String(e.reason)));

let w = null; // the module's exports
let run = null; // the current run: settings and curves
let running = true; // false while paused
let usPerStep = NaN;
let chunk = 1; // steps per sn_train call, sized to a few milliseconds
let dirty = true;

function canvasCtx(canvas) {
  const cssW = Number(canvas.getAttribute('width'));
  const cssH = Number(canvas.getAttribute('height'));
  const dpr = window.devicePixelRatio || 1;
  if (!canvas.dataset.w) {
    canvas.dataset.w = cssW;
    canvas.dataset.h = cssH;
    canvas.style.width = `${cssW}px`;
    canvas.style.height = `${cssH}px`;
    canvas.width = Math.round(cssW * dpr);
    canvas.height = Math.round(cssH * dpr);
  }
  const ctx = canvas.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return { ctx, W: Number(canvas.dataset.w), H: Number(canvas.dataset.h) };
}

function readSettings() {
  return {
    hidden: Number($('hidden').value),
    batch: Number($('batch').value),
    bias: $('bias').checked,
    lr: Number($('lr').value),
    decay: Number($('decay').value),
    rate: Number($('decay-rate').value),
    every: Number($('decay-every').value),
    factor: Number($('decay-factor').value),
    clipOn: $('clip-on').checked,
    clip: Number($('clip').value),
    reg: Number($('reg').value),
    seed: Math.max(0, Math.floor(Number($('seed').value))),
    limit: Math.max(1, Math.floor(Number($('limit').value))),
    tier: Number($('tier').value),
  };
}

function writeSettings(s) {
  $('hidden').value = s.hidden;
  $('batch').value = s.batch;
  $('bias').checked = s.bias;
  $('lr').value = s.lr;
  $('decay').value = s.decay;
  $('decay-rate').value = s.rate;
  $('decay-every').value = s.every;
  $('decay-factor').value = s.factor;
  $('clip-on').checked = s.clipOn;
  $('clip').value = s.clip;
  $('reg').value = s.reg;
  $('seed').value = s.seed;
  $('limit').value = s.limit;
  showDecayInputs();
}

function showDecayInputs() {
  const d = $('decay').value;
  for (const el of document.querySelectorAll('.decay-exp')) el.hidden = d !== '1';
  for (const el of document.querySelectorAll('.decay-step')) el.hidden = d !== '2';
  $('clip').disabled = !$('clip-on').checked;
}

// Starts a new run with the settings in the form. Returns false (and keeps the old run) when
// the module refuses a setting.
function restart() {
  const s = readSettings();
  const a = s.decay === 1 ? s.rate : s.every;
  const b = s.decay === 2 ? s.factor : 0;
  const rc = w.sn_reset(s.hidden, s.batch, s.bias ? 1 : 0, s.seed >>> 0, s.lr, s.decay, a, b,
    s.clipOn ? s.clip : 0, s.reg, s.tier);
  if (rc !== 0) {
    $('error').textContent = `Not started: ${SETTING_ERRORS[rc] ?? `error ${rc}`}.`;
    $('error').hidden = false;
    return false;
  }
  $('error').hidden = true;
  run = { s, steps: [0], loss: [w.sn_eval_loss()], acc: [w.sn_eval_accuracy()], refused: 0, reason: 0 };
  usPerStep = NaN;
  chunk = 1;
  running = true;
  $('run').textContent = 'Pause';
  $('shape-h').textContent = s.hidden;
  $('tier-name').textContent = TIER_NAMES[w.sn_active_tier()] ?? '?';
  $('limit-show').textContent = s.limit.toLocaleString('en-US');
  $('refused').hidden = true;
  dirty = true;
  return true;
}

function state() {
  if (!run) return 'loading';
  if (run.refused) return 'refused';
  if (w.sn_steps() >= run.s.limit) return 'done';
  return running ? 'training' : 'paused';
}

// One frame's training: up to `steps per frame` steps, in chunks of a few milliseconds, and
// never more than FRAME_BUDGET_MS in all.
function trainFrame() {
  const want = Number($('speed').value);
  const t0 = performance.now();
  let done = 0;
  while (done < want) {
    const n = w.sn_train(Math.min(chunk, want - done), run.s.limit);
    if (n <= 0) break;
    done += n;
    if (performance.now() - t0 > FRAME_BUDGET_MS) break;
  }
  const dt = performance.now() - t0;
  if (done > 0) {
    const us = (dt * 1000) / done;
    usPerStep = Number.isNaN(usPerStep) ? us : 0.8 * usPerStep + 0.2 * us;
    chunk = Math.max(1, Math.min(want, Math.floor(4000 / Math.max(usPerStep, 1))));
  }
  const code = w.sn_refusal();
  if (code && !run.refused) {
    run.refused = w.sn_refused_step();
    run.reason = code;
  }
  if (done > 0 || code) {
    w.sn_eval();
    run.steps.push(w.sn_steps());
    run.loss.push(w.sn_eval_loss());
    run.acc.push(w.sn_eval_accuracy());
    dirty = true;
  }
}

function frame() {
  try {
    if (run && state() === 'training') trainFrame();
    if (dirty && run) {
      draw();
      dirty = false;
    }
  } catch (e) {
    errors.push(String(e));
    $('error').textContent = `Stopped: ${e}`;
    $('error').hidden = false;
    running = false;
  }
  requestAnimationFrame(frame);
}

function fmt(v, digits = 6) {
  if (v === Infinity) return '∞';
  if (Number.isNaN(v)) return 'NaN';
  return v.toFixed(digits);
}

function draw() {
  const st = state();
  $('state').textContent = st;
  $('state').dataset.state = st;
  $('run').disabled = st === 'done' || st === 'refused';
  $('step').textContent = w.sn_steps().toLocaleString('en-US');
  const loss = run.loss[run.loss.length - 1];
  $('loss-value').textContent = fmt(loss);
  $('acc-value').textContent = fmt(run.acc[run.acc.length - 1], 4);
  $('lr-value').textContent = fmtLr(w.sn_lr());
  $('clipped-value').textContent = w.sn_clipped().toLocaleString('en-US');
  $('speed-value').textContent = Number.isNaN(usPerStep) ? '–' : usPerStep.toFixed(usPerStep < 10 ? 2 : 1);
  if (run.refused) {
    $('refused').hidden = false;
    $('refused').textContent = `Step ${run.refused} was refused: ${REFUSAL_REASONS[run.reason]}. `
      + `train_step left the network as it was after step ${run.refused - 1}, and training stops `
      + 'here (the same batch would be refused again). Change a setting or pick a lesson to '
      + 'start a new run.';
  }
  drawBoundary();
  drawCurve($('loss'), run.loss, { log: true });
  drawCurve($('accuracy'), run.acc, { log: false });
}

function drawBoundary() {
  const { ctx, W, H } = canvasCtx($('boundary'));
  const pad = { l: 30, r: 6, t: 6, b: 24 };
  const pw = W - pad.l - pad.r;
  const ph = H - pad.t - pad.b;
  const e = w.sn_extent();
  const ptr = w.sn_grid(GRID);
  ctx.clearRect(0, 0, W, H);
  if (ptr) {
    const out = new Float32Array(w.memory.buffer, ptr, GRID * GRID * 2);
    const img = new ImageData(GRID, GRID);
    for (let i = 0; i < GRID * GRID; i++) {
      const d = out[2 * i + 1] - out[2 * i];
      const c = d >= 0 ? COLORS.c1 : COLORS.c0;
      const t = Math.min(1, Math.abs(d)) ** 0.6 * 0.72;
      for (let k = 0; k < 3; k++) img.data[4 * i + k] = Math.round(255 * (1 - t) + c[k] * t);
      img.data[4 * i + 3] = 255;
    }
    const off = drawBoundary.off ?? (drawBoundary.off = document.createElement('canvas'));
    off.width = GRID;
    off.height = GRID;
    off.getContext('2d').putImageData(img, 0, 0);
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = 'high';
    ctx.drawImage(off, pad.l, pad.t, pw, ph);
  }
  const px = (x) => pad.l + ((x + e) / (2 * e)) * pw;
  const py = (y) => pad.t + ((e - y) / (2 * e)) * ph;
  // axes through the origin and ticks
  ctx.strokeStyle = 'rgba(0,0,0,0.25)';
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(px(0), pad.t);
  ctx.lineTo(px(0), pad.t + ph);
  ctx.moveTo(pad.l, py(0));
  ctx.lineTo(pad.l + pw, py(0));
  ctx.stroke();
  ctx.strokeStyle = '#888';
  ctx.strokeRect(pad.l + 0.5, pad.t + 0.5, pw - 1, ph - 1);
  ctx.fillStyle = '#5b6576';
  ctx.font = '11px system-ui, sans-serif';
  for (let v = -Math.floor(e); v <= e; v += 1) {
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    ctx.fillText(String(v), px(v), pad.t + ph + 4);
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    ctx.fillText(String(v), pad.l - 5, py(v));
  }
  const pts = new Float32Array(w.memory.buffer, w.sn_points(), 300 * 4);
  for (let i = 0; i < 300; i++) {
    const [x, y, label, pred] = [pts[4 * i], pts[4 * i + 1], pts[4 * i + 2], pts[4 * i + 3]];
    const c = label ? COLORS.c1 : COLORS.c0;
    ctx.beginPath();
    ctx.arc(px(x), py(y), 3.4, 0, 2 * Math.PI);
    ctx.fillStyle = `rgb(${c.join(',')})`;
    ctx.fill();
    ctx.lineWidth = 1;
    ctx.strokeStyle = '#fff';
    ctx.stroke();
    if (label !== pred) {
      ctx.beginPath();
      ctx.arc(px(x), py(y), 5.6, 0, 2 * Math.PI);
      ctx.lineWidth = 1.4;
      ctx.strokeStyle = '#000';
      ctx.stroke();
    }
  }
}

function niceCeil(v) {
  const p = 10 ** Math.floor(Math.log10(Math.max(v, 1)));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function fmtLr(v) {
  if (!Number.isFinite(v)) return String(v);
  if (v !== 0 && (Math.abs(v) >= 1e5 || Math.abs(v) < 1e-3)) return v.toExponential(2).replace(/\.?0+e/, 'e');
  return Number(v.toPrecision(4)).toString();
}

function niceStep(range, target) {
  const raw = range / target;
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

function drawCurve(canvas, ys, { log }) {
  const { ctx, W, H } = canvasCtx(canvas);
  const pad = { l: 46, r: 10, t: 8, b: 22 };
  const pw = W - pad.l - pad.r;
  const ph = H - pad.t - pad.b;
  const xs = run.steps;
  // A refused run stops early: zoom in on the steps it took.
  const xMax = run.refused ? Math.min(run.s.limit, niceCeil(run.refused * 1.25)) : run.s.limit;
  let lo;
  let hi;
  if (log) {
    const finite = ys.filter((v) => Number.isFinite(v) && v > 0);
    const mn = finite.length ? Math.min(...finite) : 0.01;
    const mx = finite.length ? Math.max(...finite) : 1;
    lo = Math.floor(Math.log10(mn));
    hi = Math.max(lo + 1, Math.ceil(Math.log10(mx)));
  } else {
    lo = Math.min(0.4, Math.floor(Math.min(...ys) * 10) / 10);
    hi = 1;
  }
  const fy = (v) => {
    const t = log ? (Math.log10(v) - lo) / (hi - lo) : (v - lo) / (hi - lo);
    return pad.t + (1 - Math.min(1, Math.max(0, t))) * ph;
  };
  const fx = (x) => pad.l + (x / xMax) * pw;
  ctx.clearRect(0, 0, W, H);
  ctx.font = '11px system-ui, sans-serif';
  ctx.fillStyle = '#5b6576';
  ctx.strokeStyle = '#e3e7ee';
  ctx.lineWidth = 1;
  // horizontal grid
  const yTicks = [];
  if (log) for (let d = lo; d <= hi; d++) yTicks.push([10 ** d, d >= -3 ? String(10 ** d) : `1e${d}`]);
  else for (let v = Math.ceil(lo * 10) / 10; v <= hi + 1e-9; v += 0.1) yTicks.push([v, v.toFixed(1)]);
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (const [v, label] of yTicks) {
    const y = Math.round(fy(v)) + 0.5;
    ctx.beginPath();
    ctx.moveTo(pad.l, y);
    ctx.lineTo(pad.l + pw, y);
    ctx.stroke();
    ctx.fillText(label, pad.l - 5, y);
  }
  // vertical grid
  const step = niceStep(xMax, 5);
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  for (let x = 0; x <= xMax + 1e-9; x += step) {
    const X = Math.round(fx(x)) + 0.5;
    ctx.beginPath();
    ctx.moveTo(X, pad.t);
    ctx.lineTo(X, pad.t + ph);
    ctx.stroke();
    ctx.fillText(x >= 1000 ? `${x / 1000}k` : String(x), X, pad.t + ph + 4);
  }
  ctx.strokeStyle = '#888';
  ctx.strokeRect(pad.l + 0.5, pad.t + 0.5, pw - 1, ph - 1);
  // the curve (a non-finite value is drawn at the top, where the axis ends)
  ctx.beginPath();
  ctx.lineWidth = 1.6;
  ctx.strokeStyle = log ? '#7b3fa0' : '#2e7d32';
  for (let i = 0; i < ys.length; i++) {
    const v = Number.isFinite(ys[i]) ? ys[i] : 10 ** hi;
    const X = fx(xs[i]);
    const Y = fy(v);
    if (i === 0) ctx.moveTo(X, Y);
    else ctx.lineTo(X, Y);
  }
  ctx.stroke();
  if (run.refused) {
    const X = Math.round(fx(run.refused)) + 0.5;
    ctx.save();
    ctx.strokeStyle = '#c62828';
    ctx.setLineDash([4, 3]);
    ctx.beginPath();
    ctx.moveTo(X, pad.t);
    ctx.lineTo(X, pad.t + ph);
    ctx.stroke();
    ctx.restore();
    ctx.fillStyle = '#c62828';
    ctx.textAlign = X > pad.l + pw - 90 ? 'right' : 'left';
    ctx.textBaseline = 'top';
    ctx.fillText(`step ${run.refused} refused`, X + (ctx.textAlign === 'left' ? 4 : -4), pad.t + 3);
  }
}

function applyPreset(name) {
  const p = PRESETS[name];
  writeSettings({ ...DEFAULTS, ...p.set });
  for (const b of document.querySelectorAll('[data-preset]')) b.setAttribute('aria-pressed', String(b.dataset.preset === name));
  $('lesson').textContent = p.text;
  restart();
}

async function load() {
  let instance;
  try {
    const resp = await fetch('stacknet_web.wasm');
    if (!resp.ok) throw new Error(`stacknet_web.wasm: HTTP ${resp.status} (build it with: bash examples/web/build.sh)`);
    const bytes = await resp.arrayBuffer();
    ({ instance } = await WebAssembly.instantiate(bytes, {}));
  } catch (e) {
    const simd = e instanceof WebAssembly.CompileError
      ? ' This browser may lack WebAssembly SIMD; STACKNET_WASM_FEATURES="" bash examples/web/build.sh builds a scalar-only module.'
      : '';
    $('error').textContent = `Could not load the module: ${e.message ?? e}.${simd}`;
    $('error').hidden = false;
    $('state').textContent = 'error';
    errors.push(String(e));
    return;
  }
  w = instance.exports;
  for (let i = 0; i < w.sn_width_count(); i++) $('hidden').add(new Option(String(w.sn_width(i))));
  for (let i = 0; i < w.sn_batch_count(); i++) {
    const b = w.sn_batch(i);
    $('batch').add(new Option(b === 300 ? '300 (full batch)' : String(b), String(b)));
  }
  const best = w.sn_best_tier();
  for (const code of [best, 1]) {
    if (w.sn_tier_available(code) && ![...$('tier').options].some((o) => Number(o.value) === code)) {
      $('tier').add(new Option(TIER_NAMES[code], String(code)));
    }
  }
  $('tier').value = String(best);
  $('settings').addEventListener('change', () => {
    showDecayInputs();
    for (const b of document.querySelectorAll('[data-preset]')) b.setAttribute('aria-pressed', 'false');
    $('lesson').textContent = '';
    restart();
  });
  $('settings').addEventListener('submit', (e) => e.preventDefault());
  for (const b of document.querySelectorAll('[data-preset]')) b.addEventListener('click', () => applyPreset(b.dataset.preset));
  $('reset').addEventListener('click', () => restart());
  $('run').addEventListener('click', () => {
    if (!run) return;
    running = !running;
    $('run').textContent = running ? 'Pause' : 'Run';
    dirty = true;
  });
  $('speed').addEventListener('change', () => {
    chunk = 1;
  });
  applyPreset('reference');
  requestAnimationFrame(frame);
}

// For the headless-browser test (examples/web/test_page.py) and the curious: the page's state.
window.stacknetPage = {
  errors,
  snapshot() {
    if (!run) return { state: state(), errors };
    return {
      state: state(),
      step: w.sn_steps(),
      loss: run.loss[run.loss.length - 1],
      accuracy: run.acc[run.acc.length - 1],
      refusedStep: run.refused,
      refusal: run.reason,
      clipped: w.sn_clipped(),
      tier: TIER_NAMES[w.sn_active_tier()],
      usPerStep,
      points: run.steps.length,
      settings: run.s,
      errors,
    };
  },
};

load();
