// A model is a descriptor in linear memory: a header and one record per dense layer, with
// pointers to its parameters (planned by src/wasm/backend.ts) and to a workspace carved here
// for a given batch capacity. Everything below reads and writes only through these pointers.
import { activateInPlace, activationBackward, sigmoid64 } from './activations';
import { bceBatch } from './loss';
import { matmul, matmulTransA, matmulTransB } from './gemm';
import { shuffle } from './prng';

// Header (bytes)
const LAYERS = 0;     // i32 number of dense layers
const INPUTS = 4;     // i32 features per row
const CAPACITY = 8;   // i32 rows the workspace holds
const DELTA_A = 12;   // usize: capacity × widest layer output, the gradient flowing back…
const DELTA_B = 16;   // usize: …and its ping-pong partner
const PACKED = 20;    // usize: scratch for a transposed kernel
const STATS = 24;     // f64 × 2: loss sum and correct count of the last call
const RNG = 40;       // u32 × 4: xoshiro128** state for shuffling
const ONES = 56;      // usize: capacity floats of 1.0, so that Σ_rows dZ = dZᵀ·1
const HEADER: usize = 64;
// Layer record (bytes)
const L_IN = 0, L_OUT = 4, L_ACT = 8, L_W = 12, L_B = 16, L_DW = 20, L_DB = 24, L_BUF = 28;
const RECORD: usize = 32;

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
 * (with the kernel before its update), dZ_{l−1} = dA_{l−1} ⊙ act'(A_{l−1}), and
 * update: W_l ← W_l − λ A_{l−1}ᵀ dZ_l, b_l ← b_l − λ dZ_lᵀ·1 (Σ over rows), or else (λ = 0) the plain
 * gradients into the dW, db buffers.
 */
function backward(m: usize, x: usize, y: usize, rows: i32, lr: f32): void {
  const n = load<i32>(m + LAYERS);
  const update = lr != 0;
  let delta = load<usize>(m + DELTA_A);
  let spare = load<usize>(m + DELTA_B);
  bceBatch(ptr(layer(m, n - 1), L_BUF), y, rows, delta, m + STATS);
  for (let l = n - 1; l >= 0; l--) {
    const rec = layer(m, l);
    const fanIn = field(rec, L_IN);
    const units = field(rec, L_OUT);
    const input = l == 0 ? x : ptr(layer(m, l - 1), L_BUF);
    if (l > 0) {
      matmulTransB(delta, ptr(rec, L_W), spare, rows, units, fanIn, load<usize>(m + PACKED));
      activationBackward(spare, input, rows * fanIn, field(layer(m, l - 1), L_ACT));
    }
    const alpha: f32 = update ? -lr : 1;
    matmulTransA(input, delta, update ? ptr(rec, L_W) : ptr(rec, L_DW), fanIn, rows, units, alpha, update);
    matmulTransA(delta, load<usize>(m + ONES), update ? ptr(rec, L_B) : ptr(rec, L_DB), units, rows, 1, alpha, update);
    const t = delta; delta = spare; spare = t;
  }
}

function resetStats(m: usize): void {
  store<f64>(m + STATS, 0);
  store<f64>(m + STATS + 8, 0);
}

/** Σ loss over the rows of the last call (f64). */
export function lastLossSum(m: usize): f64 { return load<f64>(m + STATS); }
/** Rows classified correctly in the last call. */
export function lastCorrect(m: usize): f64 { return load<f64>(m + STATS + 8); }

/**
 * One epoch of mini-batch SGD over x (rows×inputs) and y (rows), batches of batchSize ≤ capacity.
 * shuffle: a fresh seeded permutation into order (rows u32) and each batch gathered into
 * xBatch/yBatch (capacity rows); otherwise batches are read in place.
 */
export function trainEpoch(m: usize, x: usize, y: usize, rows: i32, batchSize: i32, lr: f32,
                           shuffled: bool, order: usize, xBatch: usize, yBatch: usize): void {
  resetStats(m);
  const inputs = load<i32>(m + INPUTS);
  const rowBytes = <usize>inputs << 2;
  if (shuffled) shuffle(order, rows, m + RNG);
  for (let start = 0; start < rows; start += batchSize) {
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
    backward(m, bx, by, size, lr);
  }
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
  backward(m, x, y, rows, 0);
}

/** Loss sum and correct count over rows, in chunks of the workspace capacity. */
export function evaluate(m: usize, x: usize, y: usize, rows: i32): void {
  resetStats(m);
  const capacity = load<i32>(m + CAPACITY);
  const rowBytes = <usize>load<i32>(m + INPUTS) << 2;
  for (let start = 0; start < rows; start += capacity) {
    const size = min(capacity, rows - start);
    const z = forward(m, x + <usize>start * rowBytes, size);
    bceBatch(z, y + (<usize>start << 2), size, 0, m + STATS);
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
