// A model is a descriptor in linear memory: a header and one record per dense layer, with
// pointers to its parameters, their gradients, the optimizer's state and a workspace. Every
// block is sized and allocated by the TypeScript wrapper (src/backend/plan.ts plans them in
// float64, before anything is allocated); nothing here computes a size. Everything below reads
// and writes only through these pointers, within the blocks the plan gave them.
import { activateInPlace, activationBackward, sigmoid64 } from './activations';
import { firstNonFinite } from './data';
import { bceBatch } from './loss';
import { matmul, matmulTransA, matmulTransB } from './gemm';
import { adamStep, momentumStep, sgdStep } from './optimizers';
import { shuffle } from './prng';

// Header (bytes)
const LAYERS = 0;        // i32 number of dense layers
const INPUTS = 4;        // i32 features per row
const CAPACITY = 8;      // i32 rows the workspace holds; a larger batch runs through it in chunks
const DELTA_A = 12;      // usize: capacity × widest layer output, the gradient flowing back…
const DELTA_B = 16;      // usize: …and its ping-pong partner
const PACKED = 20;       // usize: scratch for a transposed hidden kernel
const ONES = 24;         // usize: capacity floats of 1.0, so that Σ_rows dZ = dZᵀ·1
const PARAMS = 28;       // usize: the parameter block (every kernel and bias, zero padded)…
const PARAM_FLOATS = 32; // i32: …and its length in floats
const STATS = 40;        // f64 × 5: the pass's loss sum, correct, true positives, false positives, false negatives
const RECENT_LOSS = 80;  // f64: the mean loss of the last EXPLODING_WINDOW rows or so trained (NaN: none yet)
const LOSS_LIMIT = 88;   // f64: when the recent loss is above this, training has exploded (+∞: no limit)
const RNG = 96;          // u32 × 4: xoshiro128** state for shuffling        } the training state
const POWERS = 112;      // f32 × 2: Adam's β1ᵗ, β2ᵗ for the next step         } of a snapshot
const OPTIMIZER = 120;   // i32: SGD, MOMENTUM or ADAM (assembly/optimizers.ts)
const NESTEROV = 124;    // i32: momentum only
const HYPER = 128;       // f32 × 5: momentum μ | Adam β1, 1 − β1, β2, 1 − β2, ε
const HEADER: usize = 160;
// Layer record (bytes): sizes, activation, parameters, gradients, outputs, and the optimizer's
// state for the kernel and the bias (momentum: velocity in S1; Adam: moments in S1 and S2; else 0)
const L_IN = 0, L_OUT = 4, L_ACT = 8, L_W = 12, L_B = 16, L_DW = 20, L_DB = 24, L_BUF = 28;
const L_S1W = 32, L_S1B = 36, L_S2W = 40, L_S2B = 44;
const RECORD: usize = 48;

const SGD = 0, MOMENTUM = 1, ADAM = 2;
/** Rows the recent loss averages over (an exponential moving average with this time constant),
 *  so that one bad row of a batch of 1 is not mistaken for a run that explodes. */
const EXPLODING_WINDOW: f64 = 256;

// @ts-ignore: decorator
@inline function layer(m: usize, l: i32): usize { return m + HEADER + <usize>l * RECORD; }
// @ts-ignore: decorator
@inline function field(rec: usize, f: usize): i32 { return load<i32>(rec + f); }
// @ts-ignore: decorator
@inline function ptr(rec: usize, f: usize): usize { return load<usize>(rec + f); }

/** Bytes of the descriptor of a model with `layers` dense layers. */
export function modelBytes(layers: i32): usize {
  return HEADER + <usize>layers * RECORD;
}

/** Where the training state a snapshot saves starts: the RNG, then Adam's powers (24 bytes). */
export function trainingState(m: usize): usize {
  return m + RNG;
}

export function modelInit(m: usize, layers: i32, inputs: i32, s0: u32, s1: u32, s2: u32, s3: u32): void {
  memory.fill(m, 0, modelBytes(layers));
  store<i32>(m + LAYERS, layers);
  store<i32>(m + INPUTS, inputs);
  store<f64>(m + RECENT_LOSS, NaN);
  store<f64>(m + LOSS_LIMIT, Infinity);
  store<u32>(m + RNG, s0);
  store<u32>(m + RNG + 4, s1);
  store<u32>(m + RNG + 8, s2);
  store<u32>(m + RNG + 12, s3);
}

/** The parameter block (`floats` floats, padding zeroed by the caller) and the scratch for a
 *  transposed hidden kernel (as many floats as the largest one). */
export function modelSetBlocks(m: usize, params: usize, floats: i32, packed: usize): void {
  store<usize>(m + PARAMS, params);
  store<i32>(m + PARAM_FLOATS, floats);
  store<usize>(m + PACKED, packed);
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

/** The workspace for `capacity` rows: the two delta buffers (capacity × widest layer output
 *  each), `ones` (capacity floats, filled here), then each layer's outputs (modelSetLayerOutput). */
export function modelSetWorkspace(m: usize, capacity: i32, deltaA: usize, deltaB: usize, ones: usize): void {
  store<i32>(m + CAPACITY, capacity);
  store<usize>(m + DELTA_A, deltaA);
  store<usize>(m + DELTA_B, deltaB);
  store<usize>(m + ONES, ones);
  for (let i = 0; i < capacity; i++) store<f32>(ones + (<usize>i << 2), 1);
}

/** Layer l's outputs: capacity × units floats. */
export function modelSetLayerOutput(m: usize, l: i32, out: usize): void {
  store<usize>(layer(m, l) + L_BUF, out);
}

/** The recent loss above which training counts as exploding (+∞: none); `restart` forgets the
 *  recent loss (a new fit: its first batch starts it again). */
export function modelSetLossLimit(m: usize, limit: f64, restart: bool): void {
  store<f64>(m + LOSS_LIMIT, limit);
  if (restart) store<f64>(m + RECENT_LOSS, NaN);
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

/** The loss of `rows` rows just passed forward (into the stats; returned as Σ lossᵢ) and the
 *  gradient dZ_L = (p − y)/batchRows of their batch's mean loss, into the first delta buffer. */
function lossGradient(m: usize, y: usize, rows: i32, batchRows: i32): f64 {
  const logits = ptr(layer(m, load<i32>(m + LAYERS) - 1), L_BUF);
  return bceBatch(logits, y, rows, batchRows, load<usize>(m + DELTA_A), 0, m + STATS);
}

/**
 * Back-propagation of the delta lossGradient left, through `rows` ≤ capacity rows whose input was
 * x: for l = L…1: dA_{l−1} = dZ_l W_lᵀ (with the kernel before its update),
 * dZ_{l−1} = dA_{l−1} ⊙ act'(A_{l−1}), and the gradients dW_l = A_{l−1}ᵀ dZ_l, db_l = dZ_lᵀ·1
 * (Σ over rows). With λ = 0 they go to the dW, db buffers — added to what they hold when
 * `accumulate` (the next chunk of a batch larger than the workspace). Otherwise the layer is
 * updated at once: plain SGD without weight decay fused into the products
 * (W_l ← W_l − λ A_{l−1}ᵀ dZ_l, accumulated in place); any other step from dW, db.
 */
function backward(m: usize, x: usize, rows: i32, lr: f32, decay: f32, accumulate: bool): void {
  const n = load<i32>(m + LAYERS);
  const fused = lr != 0 && load<i32>(m + OPTIMIZER) == SGD && decay == 0;
  let delta = load<usize>(m + DELTA_A);
  let spare = load<usize>(m + DELTA_B);
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
      matmulTransA(input, delta, ptr(rec, L_DW), fanIn, rows, units, 1, accumulate);
      matmulTransA(delta, load<usize>(m + ONES), ptr(rec, L_DB), units, rows, 1, 1, accumulate);
      if (lr != 0) stepLayer(m, rec, lr, decay);
    }
    const t = delta; delta = spare; spare = t;
  }
}

/** One optimizer step of every layer from the gradients in its dW, db buffers. */
function update(m: usize, lr: f32, decay: f32): void {
  for (let l = 0, n = load<i32>(m + LAYERS); l < n; l++) stepLayer(m, layer(m, l), lr, decay);
}

/** One optimizer step of a layer's kernel (with weight decay λ₂) and bias (without). */
function stepLayer(m: usize, rec: usize, lr: f32, decay: f32): void {
  // Adam's bias corrections for this step: 1 − β1ᵗ, 1 − β2ᵗ.
  const c1: f32 = 1 - load<f32>(m + POWERS), c2: f32 = 1 - load<f32>(m + POWERS + 4);
  step(m, ptr(rec, L_W), ptr(rec, L_DW), ptr(rec, L_S1W), ptr(rec, L_S2W), field(rec, L_IN) * field(rec, L_OUT), lr, decay, c1, c2);
  step(m, ptr(rec, L_B), ptr(rec, L_DB), ptr(rec, L_S1B), ptr(rec, L_S2B), field(rec, L_OUT), lr, 0, c1, c2);
}

/** One optimizer step over n parameters w with gradient g and state s1, s2. */
function step(m: usize, w: usize, g: usize, s1: usize, s2: usize, n: i32, lr: f32, decay: f32, c1: f32, c2: f32): void {
  const kind = load<i32>(m + OPTIMIZER);
  const h = m + HYPER;
  if (kind == MOMENTUM) momentumStep(w, g, s1, n, lr, decay, load<f32>(h), load<i32>(m + NESTEROV) != 0);
  else if (kind == ADAM) adamStep(w, g, s1, s2, n, lr, decay, load<f32>(h), load<f32>(h, 4), load<f32>(h, 8), load<f32>(h, 12), load<f32>(h, 16), c1, c2);
  else sgdStep(w, g, n, lr, decay);
}

/** After a step: Adam's powers move on to the next step. */
function advanceStep(m: usize): void {
  if (load<i32>(m + OPTIMIZER) != ADAM) return;
  store<f32>(m + POWERS, load<f32>(m + POWERS) * load<f32>(m + HYPER));
  store<f32>(m + POWERS + 4, load<f32>(m + POWERS + 4) * load<f32>(m + HYPER + 8));
}

/** Fold a batch's mean loss into the recent loss; false when it is NaN or infinite, or the recent
 *  loss is above the model's limit. */
function acceptLoss(m: usize, lossSum: f64, rows: i32): bool {
  const mean = lossSum / <f64>rows;
  const before = load<f64>(m + RECENT_LOSS);
  const recent = isNaN(before) ? mean : before + min(1.0, <f64>rows / EXPLODING_WINDOW) * (mean - before);
  store<f64>(m + RECENT_LOSS, recent);
  return isFinite(mean) && recent <= load<f64>(m + LOSS_LIMIT);
}

/** Zero the statistics of lastStat: a new pass or epoch. */
export function modelResetStats(m: usize): void {
  memory.fill(m + STATS, 0, 40);
}

/** The statistics of the pass (f64): 0 Σ loss over its rows, 1 rows classified correctly,
 *  2 true positives, 3 false positives, 4 false negatives (at probability 0.5); 5 the recent
 *  loss (about the last 256 rows trained; the batch's own when it was NaN or infinite). */
export function lastStat(m: usize, i: i32): f64 { return load<f64>(m + STATS + (<usize>i << 3)); }

/** A new epoch over `rows` rows: statistics zeroed and, when shuffled, a fresh seeded
 *  permutation of the rows into order (rows u32). */
export function epochBegin(m: usize, rows: i32, shuffled: bool, order: usize): void {
  modelResetStats(m);
  if (shuffled) shuffle(order, rows, m + RNG);
}

/**
 * Batches first…first+count−1 of the epoch that epochBegin began, over x (rows×inputs) and y
 * (rows), in batches of batchSize rows (the last may be shorter): each is followed by a step of
 * the model's optimizer with learning rate lr and weight decay λ₂ = decay. shuffled: the rows
 * in the order epochBegin drew, gathered through xBatch/yBatch (capacity rows); otherwise read in
 * place. A batch larger than the workspace runs through it in chunks whose gradients add up,
 * then takes one step. Returns −1, or the batch at which training diverged: its mean loss was
 * NaN, infinite or above the model's limit (the call stops there, without that batch's update),
 * or its update left a parameter that is not finite.
 */
export function trainBatches(m: usize, x: usize, y: usize, rows: i32, batchSize: i32, first: i32, count: i32,
                             lr: f32, decay: f32, shuffled: bool, order: usize, xBatch: usize, yBatch: usize): i32 {
  const capacity = load<i32>(m + CAPACITY);
  const batches = rows / batchSize + (rows % batchSize ? 1 : 0);
  const last = min(batches, first + count);
  for (let batch = first; batch < last; batch++) {
    const start = batch * batchSize;
    const size = min(batchSize, rows - start);
    if (size <= capacity) {
      const bx = shuffled ? gather(m, x, y, order, start, size, xBatch, yBatch) : x + <usize>start * rowBytes(m);
      const by = shuffled ? yBatch : y + (<usize>start << 2);
      forward(m, bx, size);
      if (!acceptLoss(m, lossGradient(m, by, size, size), size)) return batch;
      backward(m, bx, size, lr, decay, false);
    } else {
      let lossSum: f64 = 0;
      for (let done = 0; done < size; done += capacity) {
        const part = min(capacity, size - done);
        const from = start + done;
        const bx = shuffled ? gather(m, x, y, order, from, part, xBatch, yBatch) : x + <usize>from * rowBytes(m);
        const by = shuffled ? yBatch : y + (<usize>from << 2);
        forward(m, bx, part);
        lossSum += lossGradient(m, by, part, size);
        backward(m, bx, part, 0, 0, done > 0);
      }
      if (!acceptLoss(m, lossSum, size)) return batch;
      update(m, lr, decay);
    }
    advanceStep(m);
    if (firstNonFinite(load<usize>(m + PARAMS), load<i32>(m + PARAM_FLOATS)) >= 0) return batch;
  }
  return -1;
}

// @ts-ignore: decorator
@inline function rowBytes(m: usize): usize { return <usize>load<i32>(m + INPUTS) << 2; }

/** Rows order[start…start+n) of x and y gathered into xBatch, yBatch. Returns xBatch. */
function gather(m: usize, x: usize, y: usize, order: usize, start: i32, n: i32, xBatch: usize, yBatch: usize): usize {
  const bytes = rowBytes(m);
  for (let r = 0; r < n; r++) {
    const src = <usize>load<u32>(order + (<usize>(start + r) << 2));
    copyRow(xBatch + <usize>r * bytes, x + src * bytes, bytes);
    store<f32>(yBatch + (<usize>r << 2), load<f32>(y + (src << 2)));
  }
  return xBatch;
}

/** memory.copy is a call into the engine; rows of a few dozen floats copy faster inline. */
// @ts-ignore: decorator
@inline function copyRow(dst: usize, src: usize, bytes: usize): void {
  let i: usize = 0;
  for (; i + 16 <= bytes; i += 16) v128.store(dst + i, v128.load(src + i));
  for (; i < bytes; i += 4) store<f32>(dst + i, load<f32>(src + i));
}

/** The gradients of the mean loss of a batch of batchRows rows, over `rows` of them at x, y (in
 *  chunks of the workspace capacity), into the dW, db buffers — added to what they hold when
 *  `accumulate`; the loss and counts into the statistics. Parameters untouched. */
export function gradients(m: usize, x: usize, y: usize, rows: i32, batchRows: i32, accumulate: bool): void {
  const capacity = load<i32>(m + CAPACITY);
  for (let done = 0; done < rows; done += capacity) {
    const part = min(capacity, rows - done);
    const bx = x + <usize>done * rowBytes(m);
    forward(m, bx, part);
    lossGradient(m, y + (<usize>done << 2), part, batchRows);
    backward(m, bx, part, 0, 0, accumulate || done > 0);
  }
}

/** The statistics of lastStat over rows (added to them), in chunks of the workspace capacity;
 *  with probabilities (rows floats; 0 = none) also σ(z) per row, as predict() gives it. */
export function evaluate(m: usize, x: usize, y: usize, rows: i32, probabilities: usize): void {
  const capacity = load<i32>(m + CAPACITY);
  for (let start = 0; start < rows; start += capacity) {
    const size = min(capacity, rows - start);
    const z = forward(m, x + <usize>start * rowBytes(m), size);
    const offset = <usize>start << 2;
    bceBatch(z, y + offset, size, size, 0, probabilities ? probabilities + offset : 0, m + STATS);
  }
}

/** probabilities[i] = σ(z_i) for every row, in chunks of the workspace capacity. */
export function predict(m: usize, x: usize, rows: i32, probabilities: usize): void {
  const capacity = load<i32>(m + CAPACITY);
  for (let start = 0; start < rows; start += capacity) {
    const size = min(capacity, rows - start);
    const z = forward(m, x + <usize>start * rowBytes(m), size);
    const out = probabilities + (<usize>start << 2);
    for (let i = 0; i < size; i++) store<f32>(out + (<usize>i << 2), <f32>sigmoid64(<f64>load<f32>(z + (<usize>i << 2))));
  }
}

/** Where the Node/browser wrapper may start carving memory. */
export function heapBase(): usize { return __heap_base; }
