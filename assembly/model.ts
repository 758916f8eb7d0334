// A model is a descriptor in linear memory: a header and one record per dense layer, with
// pointers to its parameters (planned by src/wasm/backend.ts) and to a workspace carved here
// for a given batch capacity. Everything below reads and writes only through these pointers.
import { activateInPlace, activationBackward, sigmoid64 } from './activations';
import { firstNonFinite } from './data';
import { bceBatch } from './loss';
import { matmul, matmulTransA, matmulTransB } from './gemm';
import { adamStep, momentumStep, sgdStep } from './optimizers';
import { shuffle } from './prng';

// Header (bytes)
const LAYERS = 0;     // i32 number of dense layers
const INPUTS = 4;     // i32 features per row
const CAPACITY = 8;   // i32 rows the workspace holds
const DELTA_A = 12;   // usize: capacity × widest layer output, the gradient flowing back…
const DELTA_B = 16;   // usize: …and its ping-pong partner
const PACKED = 20;    // usize: scratch for a transposed kernel
const ONES = 24;      // usize: capacity floats of 1.0, so that Σ_rows dZ = dZᵀ·1
const STATS = 32;     // f64 × 5 of the last call: loss sum, correct, true positives, false positives, false negatives
const RNG = 72;       // u32 × 4: xoshiro128** state for shuffling
const OPTIMIZER = 88; // i32: SGD, MOMENTUM or ADAM (assembly/optimizers.ts)
const NESTEROV = 92;  // i32: momentum only
const HYPER = 96;     // f32 × 5: momentum μ | Adam β1, 1 − β1, β2, 1 − β2, ε
const POWERS = 116;   // f32 × 2: Adam's β1ᵗ, β2ᵗ for the next step (TF.js's accumulated powers)
const HEADER: usize = 128;
// Layer record (bytes): sizes, activation, parameters, gradients, outputs, and the optimizer's
// state for the kernel and the bias (momentum: velocity in S1; Adam: moments in S1 and S2; else 0)
const L_IN = 0, L_OUT = 4, L_ACT = 8, L_W = 12, L_B = 16, L_DW = 20, L_DB = 24, L_BUF = 28;
const L_S1W = 32, L_S1B = 36, L_S2W = 40, L_S2B = 44;
const RECORD: usize = 48;

const SGD = 0, MOMENTUM = 1, ADAM = 2;

// @ts-ignore: decorator
@inline function layer(m: usize, l: i32): usize { return m + HEADER + <usize>l * RECORD; }
// @ts-ignore: decorator
@inline function field(rec: usize, f: usize): i32 { return load<i32>(rec + f); }
// @ts-ignore: decorator
@inline function ptr(rec: usize, f: usize): usize { return load<usize>(rec + f); }
// @ts-ignore: decorator
@inline function align16(bytes: usize): usize { return (bytes + 15) & ~15; }

/** Bytes of the descriptor of a model with `layers` dense layers. */
export function modelBytes(layers: i32): usize {
  return HEADER + <usize>layers * RECORD;
}

export function modelInit(m: usize, layers: i32, inputs: i32, s0: u32, s1: u32, s2: u32, s3: u32): void {
  memory.fill(m, 0, modelBytes(layers));
  store<i32>(m + LAYERS, layers);
  store<i32>(m + INPUTS, inputs);
  store<u32>(m + RNG, s0);
  store<u32>(m + RNG + 4, s1);
  store<u32>(m + RNG + 8, s2);
  store<u32>(m + RNG + 12, s3);
}

/** The optimizer of the next epochs, with fresh state: the caller zeroes the state blocks it
 *  hands to modelSetLayerState. p0…p4 as HYPER above (unused ones 0). */
export function modelSetOptimizer(m: usize, kind: i32, p0: f32, p1: f32, p2: f32, p3: f32, p4: f32, nesterov: bool): void {
  store<i32>(m + OPTIMIZER, kind);
  store<i32>(m + NESTEROV, nesterov ? 1 : 0);
  store<f32>(m + HYPER, p0);
  store<f32>(m + HYPER + 4, p1);
  store<f32>(m + HYPER + 8, p2);
  store<f32>(m + HYPER + 12, p3);
  store<f32>(m + HYPER + 16, p4);
  store<f32>(m + POWERS, p0);     // β1¹ and β2¹ for Adam's first step
  store<f32>(m + POWERS + 4, p2);
}

/** Layer l's optimizer state: first (velocity or m) and second (v) blocks for its kernel and bias, or 0. */
export function modelSetLayerState(m: usize, l: i32, s1w: usize, s1b: usize, s2w: usize, s2b: usize): void {
  const rec = layer(m, l);
  store<usize>(rec + L_S1W, s1w);
  store<usize>(rec + L_S1B, s1b);
  store<usize>(rec + L_S2W, s2w);
  store<usize>(rec + L_S2B, s2b);
}

/** Layer l: `units` outputs, activation code, kernel (in×units) and bias, and their gradient buffers. */
export function modelSetLayer(m: usize, l: i32, units: i32, act: i32, w: usize, b: usize, dw: usize, db: usize): void {
  const rec = layer(m, l);
  store<i32>(rec + L_IN, l == 0 ? load<i32>(m + INPUTS) : field(layer(m, l - 1), L_OUT));
  store<i32>(rec + L_OUT, units);
  store<i32>(rec + L_ACT, act);
  store<usize>(rec + L_W, w);
  store<usize>(rec + L_B, b);
  store<usize>(rec + L_DW, dw);
  store<usize>(rec + L_DB, db);
}

/** The widest gradient flowing back: dZ_l and dA_{l−1} are as wide as some layer's output
 *  (the input gradient of the first layer is never formed, so the feature count does not count). */
function widest(m: usize): i32 {
  let width = 1;
  for (let l = 0, n = load<i32>(m + LAYERS); l < n; l++) width = max(width, field(layer(m, l), L_OUT));
  return width;
}

function largestHiddenKernel(m: usize): usize {
  let size: usize = 0;
  for (let l = 1, n = load<i32>(m + LAYERS); l < n; l++) {
    const rec = layer(m, l);
    size = max(size, <usize>field(rec, L_IN) * field(rec, L_OUT));
  }
  return size;
}

/** Bytes of the workspace for batches of up to `capacity` rows. */
export function workspaceBytes(m: usize, capacity: i32): usize {
  const rows = <usize>capacity;
  let bytes: usize = 2 * align16(rows * <usize>widest(m) * 4) + align16(largestHiddenKernel(m) * 4) + align16(rows * 4);
  for (let l = 0, n = load<i32>(m + LAYERS); l < n; l++) bytes += align16(rows * <usize>field(layer(m, l), L_OUT) * 4);
  return bytes;
}

/** Carve the workspace at ws (workspaceBytes(m, capacity) bytes) into per-layer outputs and deltas. */
export function modelSetWorkspace(m: usize, capacity: i32, ws: usize): void {
  const rows = <usize>capacity;
  const deltaBytes = align16(rows * <usize>widest(m) * 4);
  store<i32>(m + CAPACITY, capacity);
  store<usize>(m + DELTA_A, ws);
  store<usize>(m + DELTA_B, ws + deltaBytes);
  store<usize>(m + PACKED, ws + 2 * deltaBytes);
  let p = ws + 2 * deltaBytes + align16(largestHiddenKernel(m) * 4);
  store<usize>(m + ONES, p);
  for (let i: usize = 0; i < rows; i++) store<f32>(p + (i << 2), 1);
  p += align16(rows * 4);
  for (let l = 0, n = load<i32>(m + LAYERS); l < n; l++) {
    const rec = layer(m, l);
    store<usize>(rec + L_BUF, p);
    p += align16(rows * field(rec, L_OUT) * 4);
  }
}

/** Forward pass of `rows` ≤ capacity rows at x: hidden outputs A_l = act(A_{l−1}W + b); the last
 *  layer keeps its logits z, whose sigmoid is fused into the loss. Returns the logits' address. */
function forward(m: usize, x: usize, rows: i32): usize {
  let a = x;
  for (let l = 0, n = load<i32>(m + LAYERS); l < n; l++) {
    const rec = layer(m, l);
    const out = ptr(rec, L_BUF);
    matmul(a, ptr(rec, L_W), ptr(rec, L_B), out, rows, field(rec, L_IN), field(rec, L_OUT));
    if (l < n - 1) activateInPlace(out, rows * field(rec, L_OUT), field(rec, L_ACT));
    a = out;
  }
  return a;
}

/**
 * Loss of a batch, then back-propagation. dZ_L = (p − y)/B; for l = L…1: dA_{l−1} = dZ_l W_lᵀ
 * (with the kernel before its update), dZ_{l−1} = dA_{l−1} ⊙ act'(A_{l−1}), and the gradients
 * dW_l = A_{l−1}ᵀ dZ_l, db_l = dZ_lᵀ·1 (Σ over rows). With λ = 0 they stay in the dW, db buffers.
 * Otherwise the layer is updated at once: plain SGD without weight decay fused into the
 * products (W_l ← W_l − λ A_{l−1}ᵀ dZ_l, accumulated in place); any other step from dW, db by
 * the optimizer's kernel, with weight decay λ₂ on the kernel only.
 */
function backward(m: usize, x: usize, y: usize, rows: i32, lr: f32, decay: f32): bool {
  const n = load<i32>(m + LAYERS);
  const kind = load<i32>(m + OPTIMIZER);
  const fused = lr != 0 && kind == SGD && decay == 0;
  let delta = load<usize>(m + DELTA_A);
  let spare = load<usize>(m + DELTA_B);
  bceBatch(ptr(layer(m, n - 1), L_BUF), y, rows, delta, 0, m + STATS);
  // Diverged (the running loss sum was finite before this batch): no update from this batch.
  if (lr != 0 && !isFinite(load<f64>(m + STATS))) return false;
  // Adam's bias corrections for this step: 1 − β1ᵗ, 1 − β2ᵗ.
  const c1: f32 = 1 - load<f32>(m + POWERS), c2: f32 = 1 - load<f32>(m + POWERS + 4);
  for (let l = n - 1; l >= 0; l--) {
    const rec = layer(m, l);
    const fanIn = field(rec, L_IN);
    const units = field(rec, L_OUT);
    const input = l == 0 ? x : ptr(layer(m, l - 1), L_BUF);
    if (l > 0) {
      matmulTransB(delta, ptr(rec, L_W), spare, rows, units, fanIn, load<usize>(m + PACKED));
      activationBackward(spare, input, rows * fanIn, field(layer(m, l - 1), L_ACT));
    }
    if (fused) {
      matmulTransA(input, delta, ptr(rec, L_W), fanIn, rows, units, -lr, true);
      matmulTransA(delta, load<usize>(m + ONES), ptr(rec, L_B), units, rows, 1, -lr, true);
    } else {
      matmulTransA(input, delta, ptr(rec, L_DW), fanIn, rows, units, 1, false);
      matmulTransA(delta, load<usize>(m + ONES), ptr(rec, L_DB), units, rows, 1, 1, false);
      if (lr != 0) {
        step(m, ptr(rec, L_W), ptr(rec, L_DW), ptr(rec, L_S1W), ptr(rec, L_S2W), fanIn * units, lr, decay, c1, c2);
        step(m, ptr(rec, L_B), ptr(rec, L_DB), ptr(rec, L_S1B), ptr(rec, L_S2B), units, lr, 0, c1, c2);
      }
    }
    const t = delta; delta = spare; spare = t;
  }
  if (lr != 0 && kind == ADAM) {
    store<f32>(m + POWERS, load<f32>(m + POWERS) * load<f32>(m + HYPER));
    store<f32>(m + POWERS + 4, load<f32>(m + POWERS + 4) * load<f32>(m + HYPER + 8));
  }
  return true;
}

/** Whether every weight and bias is finite. */
function parametersFinite(m: usize): bool {
  for (let l = 0, n = load<i32>(m + LAYERS); l < n; l++) {
    const rec = layer(m, l);
    if (firstNonFinite(ptr(rec, L_W), field(rec, L_IN) * field(rec, L_OUT)) >= 0) return false;
    if (firstNonFinite(ptr(rec, L_B), field(rec, L_OUT)) >= 0) return false;
  }
  return true;
}

/** One optimizer step over n parameters w with gradient g and state s1, s2. */
function step(m: usize, w: usize, g: usize, s1: usize, s2: usize, n: i32, lr: f32, decay: f32, c1: f32, c2: f32): void {
  const kind = load<i32>(m + OPTIMIZER);
  const h = m + HYPER;
  if (kind == MOMENTUM) momentumStep(w, g, s1, n, lr, decay, load<f32>(h), load<i32>(m + NESTEROV) != 0);
  else if (kind == ADAM) adamStep(w, g, s1, s2, n, lr, decay, load<f32>(h), load<f32>(h, 4), load<f32>(h, 8), load<f32>(h, 12), load<f32>(h, 16), c1, c2);
  else sgdStep(w, g, n, lr, decay);
}

function resetStats(m: usize): void {
  memory.fill(m + STATS, 0, 40);
}

/** The statistics of the last call (f64): 0 Σ loss over its rows, 1 rows classified correctly,
 *  2 true positives, 3 false positives, 4 false negatives (at probability 0.5). */
export function lastStat(m: usize, i: i32): f64 { return load<f64>(m + STATS + (<usize>i << 3)); }

/**
 * One epoch of mini-batch descent over x (rows×inputs) and y (rows), batches of batchSize ≤
 * capacity, each followed by a step of the model's optimizer with learning rate lr and weight
 * decay λ₂ = decay. shuffle: a fresh seeded permutation into order (rows u32) and each batch
 * gathered into xBatch/yBatch (capacity rows); otherwise batches are read in place.
 * Returns −1, or the 0-based batch at which training diverged: its loss was NaN or infinite
 * (the epoch stops there, without that batch's update), or its update left a weight that is.
 */
export function trainEpoch(m: usize, x: usize, y: usize, rows: i32, batchSize: i32, lr: f32, decay: f32,
                           shuffled: bool, order: usize, xBatch: usize, yBatch: usize): i32 {
  resetStats(m);
  const inputs = load<i32>(m + INPUTS);
  const rowBytes = <usize>inputs << 2;
  if (shuffled) shuffle(order, rows, m + RNG);
  let batch = 0;
  for (let start = 0; start < rows; start += batchSize, batch++) {
    const size = min(batchSize, rows - start);
    let bx = x + <usize>start * rowBytes;
    let by = y + (<usize>start << 2);
    if (shuffled) {
      for (let r = 0; r < size; r++) {
        const src = <usize>load<u32>(order + (<usize>(start + r) << 2));
        copyRow(xBatch + <usize>r * rowBytes, x + src * rowBytes, rowBytes);
        store<f32>(yBatch + (<usize>r << 2), load<f32>(y + (src << 2)));
      }
      bx = xBatch;
      by = yBatch;
    }
    forward(m, bx, size);
    if (!backward(m, bx, by, size, lr, decay)) return batch;
  }
  // A step can overflow the weights while its own loss was finite: then the last batch is to blame.
  return parametersFinite(m) ? -1 : batch - 1;
}

/** memory.copy is a call into the engine; rows of a few dozen floats copy faster inline. */
// @ts-ignore: decorator
@inline function copyRow(dst: usize, src: usize, bytes: usize): void {
  let i: usize = 0;
  for (; i + 16 <= bytes; i += 16) v128.store(dst + i, v128.load(src + i));
  for (; i < bytes; i += 4) store<f32>(dst + i, load<f32>(src + i));
}

/** Mean-BCE gradients over all rows (≤ capacity) into the dW, db buffers; parameters untouched. */
export function gradients(m: usize, x: usize, y: usize, rows: i32): void {
  resetStats(m);
  forward(m, x, rows);
  backward(m, x, y, rows, 0, 0);
}

/** The statistics of lastStat over rows, in chunks of the workspace capacity; with probabilities
 *  (rows floats; 0 = none) also σ(z) per row, as predict() gives it. */
export function evaluate(m: usize, x: usize, y: usize, rows: i32, probabilities: usize): void {
  resetStats(m);
  const capacity = load<i32>(m + CAPACITY);
  const rowBytes = <usize>load<i32>(m + INPUTS) << 2;
  for (let start = 0; start < rows; start += capacity) {
    const size = min(capacity, rows - start);
    const z = forward(m, x + <usize>start * rowBytes, size);
    const offset = <usize>start << 2;
    bceBatch(z, y + offset, size, 0, probabilities ? probabilities + offset : 0, m + STATS);
  }
}

/** probabilities[i] = σ(z_i) for every row, in chunks of the workspace capacity. */
export function predict(m: usize, x: usize, rows: i32, probabilities: usize): void {
  const capacity = load<i32>(m + CAPACITY);
  const rowBytes = <usize>load<i32>(m + INPUTS) << 2;
  for (let start = 0; start < rows; start += capacity) {
    const size = min(capacity, rows - start);
    const z = forward(m, x + <usize>start * rowBytes, size);
    const out = probabilities + (<usize>start << 2);
    for (let i = 0; i < size; i++) store<f32>(out + (<usize>i << 2), <f32>sigmoid64(<f64>load<f32>(z + (<usize>i << 2))));
  }
}

/** Where the Node/browser wrapper may start carving memory. */
export function heapBase(): usize { return __heap_base; }
