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
const CAPACITY = 8;      // i32 rows the workspace holds; a larger batch runs through it in units
const DELTA_A = 12;      // usize: capacity × widest layer output, the gradient flowing back…
const DELTA_B = 16;      // usize: …and its ping-pong partner
const PACKED = 20;       // usize: scratch for a transposed hidden kernel
const ONES = 24;         // usize: capacity floats of 1.0, so that Σ_rows dZ = dZᵀ·1
const PARAMS = 28;       // usize: the parameter block (every kernel and bias, zero padded), then
const PARAM_FLOATS = 32; // i32: its length in floats; the gradients follow it in the same layout
const BATCH_ROWS = 36;   // i32: rows summed so far into the gradients of a batch larger than the workspace
const STATS = 40;        // f64 × 5: the training pass's loss sum, correct, true positives, false positives, false negatives
const RECENT_LOSS = 80;  // f64: the mean loss of the last EXPLODING_WINDOW rows or so trained (NaN: none yet) } the
const LOSS_REFERENCE = 88; // f64: the exploding-loss rule's reference (NaN: none yet)                        } training
const RNG = 96;          // u32 × 4: xoshiro128** state for shuffling                                          } state of
const POWERS = 112;      // f32 × 2: Adam's β1ᵗ, β2ᵗ for the next step                                          } a snapshot
const OPTIMIZER = 120;   // i32: SGD, MOMENTUM or ADAM (assembly/optimizers.ts)
const NESTEROV = 124;    // i32: momentum only
const HYPER = 128;       // f32 × 5: momentum μ | Adam β1, 1 − β1, β2, 1 − β2, ε
const CARRIED = 148;     // i32: rows of a stream waiting in the carry buffer for the rest of their unit
const BATCHES_DONE = 152; // i32: batches finished this epoch
const LOSS_RULE = 156;   // i32: 1 when the exploding-loss rule is on
const BATCH_LOSS = 160;  // f64: the loss summed so far over the rows of a batch larger than the workspace
const LEVELS = 168;      // usize: the block sums' scratch, then LEVEL_COUNT partial sums, each laid out as the gradients
const LEVEL_COUNT = 172; // i32: partial sums it holds room for (0: batches of one block only)
const BLOCKS_DONE = 176; // i32: blocks of the current batch pushed into the partial sums
const BLOCK_ROWS = 180;  // i32: the rows of a block (see "Sums over the rows of a batch" below)
const PASS_STATS = 184;  // f64 × 5: as STATS, for evaluate and gradients, so that they leave a fit's own alone
const HEADER: usize = 224;
const TRAINING_STATE: usize = 40; // bytes from RECENT_LOSS to the end of POWERS
// Layer record (bytes): sizes, activation, parameters, gradients, outputs, and the optimizer's
// state for the kernel and the bias (momentum: velocity in S1; Adam: moments in S1 and S2; else 0)
const L_IN = 0, L_OUT = 4, L_ACT = 8, L_W = 12, L_B = 16, L_DW = 20, L_DB = 24, L_BUF = 28;
const L_S1W = 32, L_S1B = 36, L_S2W = 40, L_S2B = 44;
const RECORD: usize = 48;

const SGD = 0, MOMENTUM = 1, ADAM = 2;
// The exploding-loss rule (documented in src/training.ts): the recent loss — a moving mean of the
// batch losses over about EXPLODING_WINDOW rows, so that one bad row of a batch of 1 is not taken
// for a run that explodes — may not rise above min(EXPLODING_CEILING, EXPLODING_FACTOR ·
// max(ln 2, reference)), the reference being the lowest of the first batch's loss and the epoch
// losses seen (modelObserveLoss). Until the first batch sets it, the ceiling alone applies.
const EXPLODING_WINDOW: f64 = 256;
const EXPLODING_FACTOR: f64 = 1e3;
const EXPLODING_CEILING: f64 = 1e6;

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

/** Where the training state a snapshot saves starts: the recent loss and the reference of the
 *  exploding-loss rule, the RNG, Adam's powers (trainingStateBytes() bytes). */
export function trainingState(m: usize): usize {
  return m + RECENT_LOSS;
}
export function trainingStateBytes(): usize {
  return TRAINING_STATE;
}

export function modelInit(m: usize, layers: i32, inputs: i32, s0: u32, s1: u32, s2: u32, s3: u32): void {
  memory.fill(m, 0, modelBytes(layers));
  store<i32>(m + LAYERS, layers);
  store<i32>(m + INPUTS, inputs);
  store<f64>(m + RECENT_LOSS, NaN);
  store<f64>(m + LOSS_REFERENCE, NaN);
  store<u32>(m + RNG, s0);
  store<u32>(m + RNG + 4, s1);
  store<u32>(m + RNG + 8, s2);
  store<u32>(m + RNG + 12, s3);
}

/** The parameter block (`floats` floats, padding zeroed by the caller), the scratch for a
 *  transposed hidden kernel (as many floats as the largest one), and the rows of a block. */
export function modelSetBlocks(m: usize, params: usize, floats: i32, packed: usize, blockRows: i32): void {
  store<usize>(m + PARAMS, params);
  store<i32>(m + PARAM_FLOATS, floats);
  store<usize>(m + PACKED, packed);
  store<i32>(m + BLOCK_ROWS, blockRows);
}

/** Room for the sums of a batch of many blocks: (1 + count) × the gradients' floats at `levels`
 *  (the scratch of one block, then `count` partial sums); count 0 when every batch is one block. */
export function modelSetLevels(m: usize, levels: usize, count: i32): void {
  store<usize>(m + LEVELS, levels);
  store<i32>(m + LEVEL_COUNT, count);
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

/** The exploding-loss rule on or off; `restart` forgets the recent loss and the reference (a
 *  new fit: its first batch starts them again). */
export function modelSetLossRule(m: usize, on: bool, restart: bool): void {
  store<i32>(m + LOSS_RULE, on ? 1 : 0);
  if (!restart) return;
  store<f64>(m + RECENT_LOSS, NaN);
  store<f64>(m + LOSS_REFERENCE, NaN);
}

/** An epoch's mean loss: the reference of the exploding-loss rule comes down to it if it is lower. */
export function modelObserveLoss(m: usize, loss: f64): void {
  if (!(load<f64>(m + LOSS_REFERENCE) <= loss)) store<f64>(m + LOSS_REFERENCE, loss);
}

/** The recent loss above which training counts as exploding (+∞ with the rule off). */
function lossLimit(m: usize): f64 {
  if (!load<i32>(m + LOSS_RULE)) return Infinity;
  const reference = load<f64>(m + LOSS_REFERENCE);
  if (isNaN(reference)) return EXPLODING_CEILING;
  return min(EXPLODING_CEILING, EXPLODING_FACTOR * max(Math.LN2, reference));
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

/** The loss of `rows` rows just passed forward (into the statistics at `stats`; returned as
 *  Σ lossᵢ) and the gradient dZ_L = (p − y)/batchRows of their batch's mean loss, into the first
 *  delta buffer. */
function lossGradient(m: usize, y: usize, rows: i32, batchRows: i32, stats: usize): f64 {
  const logits = ptr(layer(m, load<i32>(m + LAYERS) - 1), L_BUF);
  return bceBatch(logits, y, rows, batchRows, load<usize>(m + DELTA_A), 0, stats);
}

// Sums over the rows of a batch. Every gradient is a sum over the batch's rows; one float32 sum
// over 10⁵ rows drifts by ~10⁻⁴. So a batch of more than BLOCK_ROWS rows (256, or a chunk of a
// model too wide for that) is summed in blocks of BLOCK_ROWS rows counted from its first row,
// each summed in order by the GEMM kernels, and the blocks' sums are combined pairwise in a fixed
// binary tree: block i is pushed onto partial sums of 2^k blocks each (a binary counter: it adds
// the levels of the trailing ones of i, older + newer, and lands in the first level whose bit of
// i is 0), and foldLevels adds what is left, the highest (oldest) level last. The tree depends on
// the number of blocks only: not on how the rows arrive (units, stream chunks) — nor, with
// threads, on who sums which block. A batch of one block goes straight to dW, db as before.

// @ts-ignore: decorator
@inline function levelFloats(m: usize): usize { return <usize>load<i32>(m + PARAM_FLOATS); }
/** Bytes from the gradient block's start to layer rec's dW (its db follows it, padded). */
// @ts-ignore: decorator
@inline function gradOffset(m: usize, rec: usize): usize { return ptr(rec, L_DW) - (load<usize>(m + PARAMS) + (levelFloats(m) << 2)); }
/** Floats of layer rec's dW and db, with their padding. */
// @ts-ignore: decorator
@inline function layerGradFloats(rec: usize): i32 { return <i32>((ptr(rec, L_DB) - ptr(rec, L_DW)) >> 2) + ((field(rec, L_OUT) + 3) & ~3); }
/** Partial sum k of the levels (k = −1: the scratch of one block), at layer rec's place. */
// @ts-ignore: decorator
@inline function level(m: usize, k: i32, rec: usize): usize { return load<usize>(m + LEVELS) + ((<usize>(k + 1) * levelFloats(m)) << 2) + gradOffset(m, rec); }

/** a[0…n) ← a + b, four floats at a time (n a multiple of 4, as the layout pads every part). */
function addInto(a: usize, b: usize, n: i32): void {
  const bytes = <usize>n << 2;
  for (let i: usize = 0; i < bytes; i += 16) v128.store(a + i, f32x4.add(v128.load(a + i), v128.load(b + i)));
}

/** Block `index` of the batch, summed into the scratch for layer rec, onto the partial sums. */
function pushBlock(m: usize, rec: usize, index: i32): void {
  const n = layerGradFloats(rec);
  const sum = level(m, -1, rec);
  let k = 0;
  for (; (index >> k) & 1; k++) {
    const older = level(m, k, rec);
    addInto(older, sum, n); // older + newer, into the older level…
    memory.copy(sum, older, <usize>n << 2); // …which carries on as the newer operand of the next
  }
  memory.copy(level(m, k, rec), sum, <usize>n << 2);
}

/** Layer rec's dW, db ← the sum of the partial sums of `blocks` blocks, oldest (highest) last. */
function foldLevels(m: usize, rec: usize, blocks: i32): void {
  const n = layerGradFloats(rec);
  const out = ptr(rec, L_DW);
  let started = false;
  for (let k = 0; blocks >> k; k++) {
    if (!((blocks >> k) & 1)) continue;
    if (started) {
      // out ← level k + out (older + newer)
      const l = level(m, k, rec);
      const bytes = <usize>n << 2;
      for (let i: usize = 0; i < bytes; i += 16) v128.store(out + i, f32x4.add(v128.load(l + i), v128.load(out + i)));
    } else {
      memory.copy(out, level(m, k, rec), <usize>n << 2);
      started = true;
    }
  }
}

/**
 * Back-propagation of the delta lossGradient left, through `rows` ≤ capacity rows whose input was
 * x: for l = L…1: dA_{l−1} = dZ_l W_lᵀ (with the kernel before its update),
 * dZ_{l−1} = dA_{l−1} ⊙ act'(A_{l−1}), and the gradients dW_l = A_{l−1}ᵀ dZ_l, db_l = dZ_lᵀ·1
 * (Σ over rows). `before`: the batch's rows before these (a multiple of BLOCK_ROWS), or −1 when
 * these rows are the whole batch. A whole batch of one block goes to the dW, db buffers; any other
 * rows go in blocks onto the partial sums (folded into dW, db here when they are the whole batch).
 * With λ = 0 nothing else happens. Otherwise the batch is whole and the layer is updated at once:
 * plain SGD without weight decay, for one block, fused into the products (W_l ← W_l − λ A_{l−1}ᵀ
 * dZ_l, accumulated in place); any other step from dW, db.
 */
function backward(m: usize, x: usize, rows: i32, lr: f32, decay: f32, before: i32): void {
  const n = load<i32>(m + LAYERS);
  const blockRows = load<i32>(m + BLOCK_ROWS);
  const whole = before < 0;
  const single = whole && rows <= blockRows;
  const fused = single && lr != 0 && load<i32>(m + OPTIMIZER) == SGD && decay == 0;
  const first = whole ? 0 : before / blockRows;
  const blocks = (rows + blockRows - 1) / blockRows;
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
    } else if (single) {
      matmulTransA(input, delta, ptr(rec, L_DW), fanIn, rows, units, 1, false);
      matmulTransA(delta, load<usize>(m + ONES), ptr(rec, L_DB), units, rows, 1, 1, false);
    } else {
      const sum = level(m, -1, rec);
      const sumBias = sum + (ptr(rec, L_DB) - ptr(rec, L_DW));
      for (let b = 0; b < blocks; b++) {
        const r0 = b * blockRows, count = min(blockRows, rows - r0);
        matmulTransA(input + ((<usize>r0 * <usize>fanIn) << 2), delta + ((<usize>r0 * <usize>units) << 2), sum, fanIn, count, units, 1, false);
        matmulTransA(delta + ((<usize>r0 * <usize>units) << 2), load<usize>(m + ONES), sumBias, units, count, 1, 1, false);
        pushBlock(m, rec, first + b);
      }
      if (whole) foldLevels(m, rec, blocks);
    }
    if (lr != 0 && !fused) stepLayer(m, rec, lr, decay);
    const t = delta; delta = spare; spare = t;
  }
  if (!whole) store<i32>(m + BLOCKS_DONE, first + blocks);
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

/** Fold a batch's mean loss into the recent loss (the fit's first batch also sets the
 *  reference); false when it is NaN or infinite, or the recent loss is above the limit. */
function acceptLoss(m: usize, lossSum: f64, rows: i32): bool {
  const mean = lossSum / <f64>rows;
  const before = load<f64>(m + RECENT_LOSS);
  const recent = isNaN(before) ? mean : before + min(1.0, <f64>rows / EXPLODING_WINDOW) * (mean - before);
  store<f64>(m + RECENT_LOSS, recent);
  const ok = isFinite(mean) && recent <= lossLimit(m);
  if (ok && isNaN(load<f64>(m + LOSS_REFERENCE))) store<f64>(m + LOSS_REFERENCE, mean);
  return ok;
}

/** Zero the statistics of the epoch being trained (pass false) or of evaluate and gradients (true). */
export function modelResetStats(m: usize, pass: bool): void {
  memory.fill(m + (pass ? PASS_STATS : STATS), 0, 40);
}

/** The statistics (f64) of the epoch trained: 0 Σ loss over its rows, 1 rows classified
 *  correctly, 2 true positives, 3 false positives, 4 false negatives (at probability 0.5); 5 the
 *  recent loss (about the last 256 rows trained; the batch's own when it was NaN or infinite);
 *  6 the exploding-loss limit; 7 the batches finished this epoch. 8…12: 0…4 of evaluate and
 *  gradients' pass. */
export function lastStat(m: usize, i: i32): f64 {
  if (i == 6) return lossLimit(m);
  if (i == 7) return <f64>load<i32>(m + BATCHES_DONE);
  if (i >= 8) return load<f64>(m + PASS_STATS + (<usize>(i - 8) << 3));
  return load<f64>(m + STATS + (<usize>i << 3));
}

/** A new epoch over `rows` rows (of a stream: 0): statistics zeroed, no batch under way, and when
 *  shuffled a fresh seeded permutation of the rows into order (rows u32). */
export function epochBegin(m: usize, rows: i32, shuffled: bool, order: usize): void {
  modelResetStats(m, false);
  store<i32>(m + BATCHES_DONE, 0);
  store<i32>(m + BATCH_ROWS, 0);
  store<f64>(m + BATCH_LOSS, 0);
  store<i32>(m + BLOCKS_DONE, 0);
  store<i32>(m + CARRIED, 0);
  if (shuffled) shuffle(order, rows, m + RNG);
}

// Batches and units. A batch of batchSize rows (FULL_BATCH: all of them) that the workspace holds
// is one unit: forward, loss with dZ = (p − y)/rows, back-propagation and the optimizer's step at
// once. A larger batch — and every full batch, whatever its size, so that a full-batch epoch is
// one step W − λ·gradients() and a stream of unknown length needs no row count in advance — runs
// in units of `capacity` rows whose gradients of the unscaled loss, dZ = p − y, add up in the dW,
// db buffers; finishBatch scales them by 1/rows once and steps. Units start at multiples of the
// capacity within their batch, so the sums are the same for data held in memory and for a
// stream however its chunks are cut.

/** Batch size meaning all rows: full-batch gradient descent. */
const FULL_BATCH: i32 = 0x7fffffff;

// @ts-ignore: decorator
@inline function oneUnit(m: usize, batchSize: i32): bool {
  return batchSize != FULL_BATCH && batchSize <= load<i32>(m + CAPACITY);
}

/** Train `rows` ≤ capacity rows at x, y: a whole batch (oneUnit) or the next unit of a larger one.
 *  False when the batch diverged (stopped before its update). */
function trainUnit(m: usize, x: usize, y: usize, rows: i32, batchSize: i32, lr: f32, decay: f32): bool {
  forward(m, x, rows);
  if (oneUnit(m, batchSize)) {
    if (!acceptLoss(m, lossGradient(m, y, rows, rows, m + STATS), rows)) return false;
    backward(m, x, rows, lr, decay, -1);
    return stepDone(m);
  }
  const done = load<i32>(m + BATCH_ROWS);
  store<f64>(m + BATCH_LOSS, load<f64>(m + BATCH_LOSS) + lossGradient(m, y, rows, 1, m + STATS));
  backward(m, x, rows, 0, 0, done);
  store<i32>(m + BATCH_ROWS, done + rows);
  return true;
}

/** Every layer's dW, db ← the partial sums of the batch's blocks; the batch's sums start again. */
function foldBatch(m: usize): void {
  const blocks = load<i32>(m + BLOCKS_DONE);
  store<i32>(m + BLOCKS_DONE, 0);
  for (let l = 0, n = load<i32>(m + LAYERS); l < n; l++) foldLevels(m, layer(m, l), blocks);
}

/** The end of a batch that ran in units: its gradients scaled by 1/rows once, then the step. */
function finishBatch(m: usize, lr: f32, decay: f32): bool {
  const rows = load<i32>(m + BATCH_ROWS);
  if (rows == 0) return true;
  store<i32>(m + BATCH_ROWS, 0);
  const lossSum = load<f64>(m + BATCH_LOSS);
  store<f64>(m + BATCH_LOSS, 0);
  if (!acceptLoss(m, lossSum, rows)) return false;
  foldBatch(m);
  scaleGradients(m, rows);
  update(m, lr, decay);
  return stepDone(m);
}

/** After a batch's step: Adam's powers move on, the batch counts, and the step must have left
 *  every parameter finite. */
function stepDone(m: usize): bool {
  advanceStep(m);
  if (firstNonFinite(load<usize>(m + PARAMS), load<i32>(m + PARAM_FLOATS)) >= 0) return false;
  store<i32>(m + BATCHES_DONE, load<i32>(m + BATCHES_DONE) + 1);
  return true;
}

/** The end of gradients() over `rows` rows: the blocks' sums folded, then scaled by 1/rows. */
export function gradientsEnd(m: usize, rows: i32): void {
  foldBatch(m);
  scaleGradients(m, rows);
}

/** The gradients in the dW, db buffers ← their value / rows, rounded once (f64 quotient). */
function scaleGradients(m: usize, rows: i32): void {
  const n = load<i32>(m + PARAM_FLOATS);
  const g = load<usize>(m + PARAMS) + (<usize>n << 2);
  const d = <f64>rows;
  for (let i = 0; i < n; i++) {
    const p = g + (<usize>i << 2);
    store<f32>(p, <f32>(<f64>load<f32>(p) / d));
  }
}

/**
 * Batches first…first+count−1 of the epoch that epochBegin began, over x (rows×inputs) and y
 * (rows) held in memory: batches of batchSize rows (the last may be shorter), each followed by a
 * step of the model's optimizer with learning rate lr and weight decay λ₂ = decay. shuffled: the
 * rows in the order epochBegin drew, each unit gathered through xBatch/yBatch (capacity rows);
 * otherwise read in place. Returns −1, or the batch at which training diverged: its mean loss
 * was NaN or infinite, or took the recent loss past the exploding-loss limit (the call stops
 * there, without that batch's update), or its update left a parameter that is not finite.
 */
export function trainBatches(m: usize, x: usize, y: usize, rows: i32, batchSize: i32, first: i32, count: i32,
                             lr: f32, decay: f32, shuffled: bool, order: usize, xBatch: usize, yBatch: usize): i32 {
  const capacity = load<i32>(m + CAPACITY);
  const batches = rows / batchSize + (rows % batchSize ? 1 : 0);
  const last = min(batches, first + count);
  for (let batch = first; batch < last; batch++) {
    const start = batch * batchSize;
    const size = min(batchSize, rows - start);
    for (let done = 0; done < size; done += capacity) {
      const part = min(capacity, size - done);
      const from = start + done;
      const bx = shuffled ? gather(m, x, y, order, from, part, xBatch, yBatch) : x + <usize>from * rowBytes(m);
      const by = shuffled ? yBatch : y + (<usize>from << 2);
      if (!trainUnit(m, bx, by, part, batchSize, lr, decay)) return batch;
    }
    if (!oneUnit(m, batchSize) && !finishBatch(m, lr, decay)) return batch;
  }
  return -1;
}

/**
 * The next `rows` rows of the epoch's stream, at x, y, in order: batches are cut from the stream
 * as trainBatches cuts them from rows in memory, whatever the calls' sizes. A unit that the call
 * does not complete waits in the carry buffer (xCarry, yCarry: capacity rows) for the next call,
 * or for trainRowsEnd. Returns −1 or the batch at which training diverged, as trainBatches.
 */
export function trainRows(m: usize, x: usize, y: usize, rows: i32, batchSize: i32, lr: f32, decay: f32, xCarry: usize, yCarry: usize): i32 {
  const capacity = load<i32>(m + CAPACITY);
  const bytes = rowBytes(m);
  let at = 0;
  while (at < rows) {
    const unit = oneUnit(m, batchSize) ? batchSize : min(capacity, batchSize - load<i32>(m + BATCH_ROWS));
    const carried = load<i32>(m + CARRIED);
    const available = rows - at;
    let ux = x + <usize>at * bytes, uy = y + (<usize>at << 2);
    if (carried > 0 || available < unit) {
      const take = min(unit - carried, available);
      memory.copy(xCarry + <usize>carried * bytes, ux, <usize>take * bytes);
      memory.copy(yCarry + (<usize>carried << 2), uy, <usize>take << 2);
      at += take;
      if (carried + take < unit) {
        store<i32>(m + CARRIED, carried + take);
        break;
      }
      store<i32>(m + CARRIED, 0);
      ux = xCarry;
      uy = yCarry;
    } else {
      at += unit;
    }
    if (!trainUnit(m, ux, uy, unit, batchSize, lr, decay)) return load<i32>(m + BATCHES_DONE);
    if (!oneUnit(m, batchSize) && (load<i32>(m + BATCH_ROWS) == batchSize) && !finishBatch(m, lr, decay)) return load<i32>(m + BATCHES_DONE);
  }
  return -1;
}

/** The end of the epoch's stream: the rows waiting in the carry buffer are the last, shorter
 *  batch (or the last unit of a larger one), and a batch under way takes its step. A batch that
 *  turns out to hold every row of the epoch is full-batch descent, as it is for rows in memory. */
export function trainRowsEnd(m: usize, batchSize: i32, lr: f32, decay: f32, xCarry: usize, yCarry: usize): i32 {
  const carried = load<i32>(m + CARRIED);
  store<i32>(m + CARRIED, 0);
  const size = load<i32>(m + BATCHES_DONE) == 0 ? FULL_BATCH : batchSize;
  if (carried > 0 && !trainUnit(m, xCarry, yCarry, carried, size, lr, decay)) return load<i32>(m + BATCHES_DONE);
  if (!oneUnit(m, size) && !finishBatch(m, lr, decay)) return load<i32>(m + BATCHES_DONE);
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

/** The gradients of the unscaled loss (dZ = p − y) over `rows` rows at x, y, in units of the
 *  workspace capacity, in blocks onto the partial sums (`before`: the rows of the pass before these); the
 *  loss and counts into the statistics. Parameters untouched. gradientsEnd then makes them
 *  the gradients of the mean loss, as a full-batch epoch computes them. */
export function gradients(m: usize, x: usize, y: usize, rows: i32, before: i32): void {
  const capacity = load<i32>(m + CAPACITY);
  if (before == 0) store<i32>(m + BLOCKS_DONE, 0);
  for (let done = 0; done < rows; done += capacity) {
    const part = min(capacity, rows - done);
    const bx = x + <usize>done * rowBytes(m);
    forward(m, bx, part);
    lossGradient(m, y + (<usize>done << 2), part, 1, m + PASS_STATS);
    backward(m, bx, part, 0, 0, before + done);
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
    bceBatch(z, y + offset, size, size, 0, probabilities ? probabilities + offset : 0, m + PASS_STATS);
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
