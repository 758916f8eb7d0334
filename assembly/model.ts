// A model is a descriptor in linear memory: a header and one record per dense layer, with
// pointers to its parameters, their gradients, the optimizer's state and a workspace. Every
// block is sized and allocated by the TypeScript wrapper (src/backend/plan.ts plans them in
// float64, before anything is allocated); nothing here computes a size. Everything below reads
// and writes only through these pointers, within the blocks the plan gave them.
import { activateInPlace, activationBackward } from './activations';
import {
  ADAM, HEAD_REGRESSION, BATCH_LOSS, BATCH_ROWS, BATCHES_DONE, BLOCK_ROWS, BLOCKS_DONE, CAPACITY, CARRIED, DELTA_A, DELTA_B, EXPLODING_CEILING,
  EXPLODING_FACTOR, EXPLODING_WINDOW, FULL_BATCH, HEAD, HEADER_BYTES, HYPER, INPUTS, L_ACT, L_B, L_BUF, L_DB, L_DW, L_IN, L_OUT, L_S1B,
  L_S1W, L_S2B, L_S2W, L_W, LAYERS, LEVEL_COUNT, LEVELS, LOSS_REFERENCE, LOSS_RULE, LOSSES, MOMENTUM, NESTEROV, ONES, OPTIMIZER,
  PACKED, PARAM_FLOATS, PARAMS, PASS_STATS, POWERS, RECENT_LOSS, RECORD_BYTES, RNG, SGD, STAT_BATCHES, STAT_LOSS_LIMIT, STAT_PASS,
  STATS, STEP_FORWARD, STEP_GATHER, STEP_INPUT_GRADIENT, STEP_LOSS, STEP_OUTPUTS, STEP_TRANSPOSE, STEP_UPDATE,
  STEP_WEIGHT_GRADIENT, THREADS,
  ForwardArgs, GatherArgs, InputGradientArgs, LossArgs, OutputsArgs, TransposeArgs, UpdateArgs, WeightGradientArgs,
  TrainBatchesCall, TrainRowsCall,
} from './contract';
import { firstNonFinite } from './data';
import { addCounts, headOutputs, headRows, sumLosses } from './heads';
import { matmul, matmulPacked, matmulTransAColumns, transposeRows } from './gemm';
import { adamStep, momentumStep, sgdStep } from './optimizers';
import { MAX_PARTS, counters, parallel, rangeLo, stepArgs } from './parallel';
import { shuffle } from './prng';

// The descriptor's layout — header fields, layer record fields, their sizes — the optimizer codes
// and the exploding-loss rule's constants are the contract with src/: assembly/contract.ts, generated
// from the tables of scripts/contract.mjs (docs/architecture.md §2.3).
// The exploding-loss rule (documented in src/train/divergence.ts): the recent loss — a moving mean of the
// batch losses over about EXPLODING_WINDOW rows, so that one bad row of a batch of 1 is not taken
// for a run that explodes — may not rise above min(EXPLODING_CEILING, EXPLODING_FACTOR ·
// max(ln 2, reference)), the reference being the lowest of the first batch's loss and the epoch
// losses seen (modelObserveLoss). Until the first batch sets it, the ceiling alone applies.

// @ts-ignore: decorator
@inline function layer(m: usize, l: i32): usize { return m + HEADER_BYTES + <usize>l * RECORD_BYTES; }
// @ts-ignore: decorator
@inline function field(rec: usize, f: usize): i32 { return load<i32>(rec + f); }
// @ts-ignore: decorator
@inline function ptr(rec: usize, f: usize): usize { return load<usize>(rec + f); }

/** Bytes of the descriptor of a model with `layers` dense layers. */
export function modelBytes(layers: i32): usize {
  return HEADER_BYTES + <usize>layers * RECORD_BYTES;
}

export function modelInit(m: usize, layers: i32, inputs: i32, head: i32, s0: u32, s1: u32, s2: u32, s3: u32): void {
  memory.fill(m, 0, modelBytes(layers));
  store<i32>(m + LAYERS, layers);
  store<i32>(m + INPUTS, inputs);
  store<i32>(m + HEAD, head);
  store<i32>(m + THREADS, 1);
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

/** The threads the model's steps may be shared out between: 1, or up to the pool's (src/backend/wasm/pool.ts). */
export function modelSetThreads(m: usize, threads: i32): void {
  store<i32>(m + THREADS, threads);
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
 *  each), `ones` (capacity floats, filled here), the rows' losses (capacity f64), then each
 *  layer's outputs (modelSetLayerOutput). */
export function modelSetWorkspace(m: usize, capacity: i32, deltaA: usize, deltaB: usize, ones: usize, losses: usize): void {
  store<i32>(m + CAPACITY, capacity);
  store<usize>(m + DELTA_A, deltaA);
  store<usize>(m + DELTA_B, deltaB);
  store<usize>(m + ONES, ones);
  store<usize>(m + LOSSES, losses);
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
  // (a squared error has the targets' units squared: no ceiling in nats makes sense for it — a
  // regression is held to its reference alone, which its first batch sets)
  const ceiling = load<i32>(m + HEAD) == HEAD_REGRESSION ? Infinity : EXPLODING_CEILING;
  if (isNaN(reference)) return ceiling;
  return min(ceiling, EXPLODING_FACTOR * max(Math.LN2, reference));
}

// Steps shared out between threads (assembly/parallel.ts), in parts that each write outputs of
// their own: rows of a product or of the loss, rows of a weight gradient, ranges of parameters.
// The parts depend on the step's shape only — never on the threads, nor on who takes which — and
// each has at least PART_WORK multiply-adds (or their like), so that a small network never pays
// for a barrier it does not need.
// Their codes (STEP_…) and arguments are in assembly/contract.ts.
const PART_WORK: i64 = 32768;
/** A row's loss and probability cost about as much as this many multiply-adds (an exp and a log1p). */
const LOSS_WORK: i64 = 256;
/** A row gathered from anywhere in the data (a cache miss) costs about as much as this many multiply-adds, besides its copy. */
const GATHER_WORK: i64 = 256;
/** A transposed element (a strided store) costs about as much as this many multiply-adds. */
const TRANSPOSE_WORK: i64 = 8;

/** Run step `code` of `work` that splits into `items` pieces — in parts for a model of several
 *  threads, whole for one — and return the number of parts it ran in. */
function share(m: usize, code: i32, work: i64, items: i32): i32 {
  if (!ASC_FEATURE_THREADS) {
    runPart(code, 0, 1); // (a direct call: the single-thread core has no table of functions)
    return 1;
  }
  const threads = load<i32>(m + THREADS);
  const parts = threads <= 1 ? 1 : max(1, <i32>min(min(<i64>items, <i64>MAX_PARTS), work / PART_WORK));
  return parallel(code, parts, threads, work, runPart);
}

// @ts-ignore: decorator
@inline function lo(n: i32, part: i32, parts: i32, grain: i32): i32 { return rangeLo(n, part, parts, grain); }

/** The step `code`'s part `part` of `parts`, with the arguments its caller set: the leader's, or a worker's. */
export function runPart(code: i32, part: i32, parts: i32): void {
  if (code == STEP_FORWARD) forwardPart(part, parts);
  else if (code == STEP_INPUT_GRADIENT) inputGradientPart(part, parts);
  else if (code == STEP_WEIGHT_GRADIENT) weightGradientPart(part, parts);
  else if (code == STEP_LOSS) lossPart(part, parts);
  else if (code == STEP_UPDATE) updatePart(part, parts);
  else if (code == STEP_GATHER) gatherPart(part, parts);
  else if (code == STEP_OUTPUTS) outputsPart(part, parts);
  else if (code == STEP_TRANSPOSE) transposePart(part, parts);
}

/** Forward pass of `rows` ≤ capacity rows at x: hidden outputs A_l = act(A_{l−1}W + b); the last
 *  layer keeps its logits z, whose sigmoid is fused into the loss. Returns the logits' address. */
function forward(m: usize, x: usize, rows: i32): usize {
  let a = x;
  for (let l = 0, n = load<i32>(m + LAYERS); l < n; l++) {
    const rec = layer(m, l);
    const s = stepArgs<ForwardArgs>(); s.m = m; s.l = l; s.a = a; s.rows = rows;
    share(m, STEP_FORWARD, <i64>rows * field(rec, L_IN) * field(rec, L_OUT), (rows + 3) >> 2);
    a = ptr(rec, L_BUF);
  }
  return a;
}

/** Rows of layer l's output, from rows of its input: the product, then the activation (hidden layers). */
function forwardPart(part: i32, parts: i32): void {
  const s = stepArgs<ForwardArgs>();
  const m = s.m, l = s.l, a = s.a, rows = s.rows;
  const r0 = lo(rows, part, parts, 4), r1 = lo(rows, part + 1, parts, 4);
  if (r1 <= r0) return;
  const rec = layer(m, l);
  const fanIn = field(rec, L_IN), units = field(rec, L_OUT);
  const out = ptr(rec, L_BUF) + ((<usize>r0 * <usize>units) << 2);
  matmul(a + ((<usize>r0 * <usize>fanIn) << 2), ptr(rec, L_W), ptr(rec, L_B), out, r1 - r0, fanIn, units);
  if (l < load<i32>(m + LAYERS) - 1) activateInPlace(out, (r1 - r0) * units, field(rec, L_ACT));
}

/** The loss of `rows` rows just passed forward (into the statistics at `stats`; returned as
 *  Σ lossᵢ) and the gradient dZ_L = (p − y)/batchRows of their batch's mean loss, into the first
 *  delta buffer; with the rows' weights w (0: none), Σ wᵢ·lossᵢ and wᵢ·(pᵢ − yᵢ)/batchRows. */
function lossGradient(m: usize, y: usize, w: usize, rows: i32, batchRows: i32, stats: usize): f64 {
  const logits = ptr(layer(m, load<i32>(m + LAYERS) - 1), L_BUF);
  return lossStep(m, logits, y, w, rows, batchRows, load<usize>(m + DELTA_A), 0, stats);
}

/** The head's rows (assembly/heads.ts) over `rows` rows in parts; their losses then added in row order and their counts into
 *  `stats` by this thread alone. Returns Σ lossᵢ. */
function lossStep(m: usize, logits: usize, y: usize, w: usize, rows: i32, batchRows: i32, grad: usize, outputs: usize, stats: usize): f64 {
  const s = stepArgs<LossArgs>();
  s.head = load<i32>(m + HEAD); s.logits = logits; s.y = y; s.w = w; s.rows = rows; s.batchRows = batchRows; s.grad = grad; s.width = outputWidth(m); s.outputs = outputs; s.losses = load<usize>(m + LOSSES);
  const parts = share(m, STEP_LOSS, <i64>rows * outputWidth(m) * LOSS_WORK, rows);
  for (let p = 0; p < parts; p++) addCounts(counters(p), stats);
  return sumLosses(load<usize>(m + LOSSES), rows, stats);
}

function lossPart(part: i32, parts: i32): void {
  const s = stepArgs<LossArgs>();
  const rows = s.rows;
  headRows(s.head, s.logits, s.y, s.w, lo(rows, part, parts, 1), lo(rows, part + 1, parts, 1), s.batchRows, s.width, s.grad, s.outputs, s.losses, counters(part));
}

/** Logits per row: the last layer's units (the head's outputs per row). */
function outputWidth(m: usize): i32 {
  return field(layer(m, load<i32>(m + LAYERS) - 1), L_OUT);
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
/** Partial sum k of the levels (k = −1: the scratch of one block), at layer rec's place. */
// @ts-ignore: decorator
@inline function level(m: usize, k: i32, rec: usize): usize { return load<usize>(m + LEVELS) + ((<usize>(k + 1) * levelFloats(m)) << 2) + gradOffset(m, rec); }

/** a[0…n) ← a + b (any n: the last floats one at a time, with the same f32 addition). */
function addRange(a: usize, b: usize, n: i32): void {
  const bytes = <usize>n << 2;
  let i: usize = 0;
  for (; i + 16 <= bytes; i += 16) v128.store(a + i, f32x4.add(v128.load(a + i), v128.load(b + i)));
  for (; i < bytes; i += 4) store<f32>(a + i, load<f32>(a + i) + load<f32>(b + i));
}

/** Floats [from, from + n) of layer rec's gradient layout in block `index`'s scratch, pushed onto
 *  the partial sums: the levels of the trailing ones of index are added in (each older + newer,
 *  into the older level, which carries on as the newer operand of the next), and the sum lands in
 *  the first level whose bit of index is 0. */
function pushBlock(m: usize, rec: usize, index: i32, from: usize, n: i32): void {
  const bytes = <usize>n << 2;
  const sum = level(m, -1, rec) + from;
  let k = 0;
  for (; (index >> k) & 1; k++) {
    const older = level(m, k, rec) + from;
    addRange(older, sum, n);
    memory.copy(sum, older, bytes);
  }
  memory.copy(level(m, k, rec) + from, sum, bytes);
}

/** Floats [from, from + n) of layer rec's dW, db ← the sum of the partial sums of `blocks`
 *  blocks, the newest (lowest) level first, the oldest (highest) added last. */
function foldLevels(m: usize, rec: usize, blocks: i32, from: usize, n: i32): void {
  const out = ptr(rec, L_DW) + from;
  let started = false;
  for (let k = 0; blocks >> k; k++) {
    if (!((blocks >> k) & 1)) continue;
    const l = level(m, k, rec) + from;
    if (started) addRange(out, l, n);
    else memory.copy(out, l, <usize>n << 2);
    started = true;
  }
}

// How backward() sends a layer's gradient: straight to dW, db (a batch of one block); fused into
// the SGD step (the same, with plain SGD); in blocks onto the partial sums (and, for rows that
// are the whole batch, folded into dW, db at once).
const TO_GRADIENTS: i32 = 0, FUSED_STEP: i32 = 1, IN_BLOCKS: i32 = 2, WHOLE_IN_BLOCKS: i32 = 3;

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
  const mode = !single ? (whole ? WHOLE_IN_BLOCKS : IN_BLOCKS) : lr != 0 && load<i32>(m + OPTIMIZER) == SGD && decay == 0 ? FUSED_STEP : TO_GRADIENTS;
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
      // dA_{l−1} by rows, from the kernel before its update, transposed first
      const tr = stepArgs<TransposeArgs>(); tr.w = ptr(rec, L_W); tr.rows = fanIn; tr.cols = units; tr.packed = load<usize>(m + PACKED);
      share(m, STEP_TRANSPOSE, <i64>fanIn * units * TRANSPOSE_WORK, (fanIn + 3) >> 2);
      const ig = stepArgs<InputGradientArgs>(); ig.m = m; ig.l = l; ig.delta = delta; ig.spare = spare; ig.rows = rows;
      share(m, STEP_INPUT_GRADIENT, <i64>rows * fanIn * units, (rows + 3) >> 2);
    }
    const wg = stepArgs<WeightGradientArgs>();
    wg.m = m; wg.l = l; wg.input = input; wg.delta = delta; wg.rows = rows; wg.mode = mode; wg.first = first; wg.lr = lr;
    share(m, STEP_WEIGHT_GRADIENT, <i64>rows * (fanIn + 1) * units, (max(fanIn, units) + 3) >> 2);
    if (lr != 0 && mode != FUSED_STEP) stepLayers(m, l, l + 1, lr, decay);
    const t = delta; delta = spare; spare = t;
  }
  if (!whole) store<i32>(m + BLOCKS_DONE, first + blocks);
}

function transposePart(part: i32, parts: i32): void {
  const s = stepArgs<TransposeArgs>();
  const n = s.rows;
  transposeRows(s.w, n, s.cols, s.packed, lo(n, part, parts, 4), lo(n, part + 1, parts, 4));
}

function inputGradientPart(part: i32, parts: i32): void {
  const s = stepArgs<InputGradientArgs>();
  const m = s.m, l = s.l, delta = s.delta, spare = s.spare, rows = s.rows;
  const r0 = lo(rows, part, parts, 4), r1 = lo(rows, part + 1, parts, 4);
  if (r1 <= r0) return;
  const rec = layer(m, l), below = layer(m, l - 1);
  const fanIn = field(rec, L_IN), units = field(rec, L_OUT);
  const out = spare + ((<usize>r0 * <usize>fanIn) << 2);
  matmulPacked(delta + ((<usize>r0 * <usize>units) << 2), load<usize>(m + PACKED), out, r1 - r0, units, fanIn);
  activationBackward(out, ptr(below, L_BUF) + ((<usize>r0 * <usize>fanIn) << 2), (r1 - r0) * fanIn, field(below, L_ACT));
}

/**
 * A part of layer l's gradient: its rows of dW (features f0…f1−1) and entries of db (units
 * u0…u1−1), each shared out evenly between the parts. Each is a sum over the batch's
 * rows, computed whole by this part — per block, then pushed and folded, in blocks mode — so the
 * sums never depend on the parts.
 */
function weightGradientPart(part: i32, parts: i32): void {
  const s = stepArgs<WeightGradientArgs>();
  const m = s.m, l = s.l, input = s.input, delta = s.delta, rows = s.rows;
  const mode = s.mode, first = s.first, lr = s.lr;
  const rec = layer(m, l);
  const fanIn = field(rec, L_IN), units = field(rec, L_OUT);
  const f0 = lo(fanIn, part, parts, 4), f1 = lo(fanIn, part + 1, parts, 4);
  const u0 = lo(units, part, parts, 4), u1 = lo(units, part + 1, parts, 4);
  const ones = load<usize>(m + ONES);
  if (mode == TO_GRADIENTS || mode == FUSED_STEP) {
    const fused = mode == FUSED_STEP;
    const w = fused ? ptr(rec, L_W) : ptr(rec, L_DW), b = fused ? ptr(rec, L_B) : ptr(rec, L_DB);
    const alpha: f32 = fused ? -lr : 1;
    if (f1 > f0) matmulTransAColumns(input + (<usize>f0 << 2), fanIn, delta, w + ((<usize>f0 * <usize>units) << 2), f1 - f0, rows, units, alpha, fused);
    if (u1 > u0) matmulTransAColumns(delta + (<usize>u0 << 2), units, ones, b + (<usize>u0 << 2), u1 - u0, rows, 1, alpha, fused);
    return;
  }
  const blockRows = load<i32>(m + BLOCK_ROWS);
  const blocks = (rows + blockRows - 1) / blockRows;
  const sum = level(m, -1, rec);
  const biasFrom = ptr(rec, L_DB) - ptr(rec, L_DW); // bytes from dW to db in the layout
  const wFrom = (<usize>f0 * <usize>units) << 2, wCount = (f1 - f0) * units;
  const bFrom = biasFrom + (<usize>u0 << 2), bCount = u1 - u0;
  for (let k = 0; k < blocks; k++) {
    const r0 = k * blockRows, count = min(blockRows, rows - r0);
    const dz = delta + ((<usize>r0 * <usize>units) << 2);
    if (wCount > 0) {
      matmulTransAColumns(input + ((<usize>r0 * <usize>fanIn + <usize>f0) << 2), fanIn, dz, sum + wFrom, f1 - f0, count, units, 1, false);
      pushBlock(m, rec, first + k, wFrom, wCount);
    }
    if (bCount > 0) {
      matmulTransAColumns(dz + (<usize>u0 << 2), units, ones, sum + bFrom, bCount, count, 1, 1, false);
      pushBlock(m, rec, first + k, bFrom, bCount);
    }
  }
  if (mode == WHOLE_IN_BLOCKS) {
    if (wCount > 0) foldLevels(m, rec, blocks, wFrom, wCount);
    if (bCount > 0) foldLevels(m, rec, blocks, bFrom, bCount);
  }
}

/** One optimizer step of every layer from the gradients in its dW, db buffers. */
function update(m: usize, lr: f32, decay: f32): void {
  stepLayers(m, 0, load<i32>(m + LAYERS), lr, decay);
}

/** The optimizer's step of layers l0…l1−1, their parameters shared out between parts. */
function stepLayers(m: usize, l0: i32, l1: i32, lr: f32, decay: f32): void {
  let count: i64 = 0;
  for (let l = l0; l < l1; l++) count += <i64>field(layer(m, l), L_IN) * field(layer(m, l), L_OUT);
  const work = count * (load<i32>(m + OPTIMIZER) == ADAM ? 8 : 2);
  const s = stepArgs<UpdateArgs>(); s.m = m; s.l0 = l0; s.l1 = l1; s.lr = lr; s.decay = decay;
  share(m, STEP_UPDATE, work, <i32>min(count >> 2, 1 << 30));
}

function updatePart(part: i32, parts: i32): void {
  const s = stepArgs<UpdateArgs>();
  const m = s.m, l0 = s.l0, l1 = s.l1, lr = s.lr, decay = s.decay;
  for (let l = l0; l < l1; l++) stepLayerRange(m, layer(m, l), lr, decay, part, parts);
}

/** Part `part` of `parts` of the optimizer step of a layer's kernel (with weight decay λ₂) and bias (without). */
function stepLayerRange(m: usize, rec: usize, lr: f32, decay: f32, part: i32, parts: i32): void {
  // Adam's bias corrections for this step: 1 − β1ᵗ, 1 − β2ᵗ.
  const c1: f32 = 1 - load<f32>(m + POWERS), c2: f32 = 1 - load<f32>(m + POWERS + 4);
  const weights = field(rec, L_IN) * field(rec, L_OUT), units = field(rec, L_OUT);
  const w0 = lo(weights, part, parts, 4), w1 = lo(weights, part + 1, parts, 4);
  const b0 = lo(units, part, parts, 4), b1 = lo(units, part + 1, parts, 4);
  const wo = <usize>w0 << 2, bo = <usize>b0 << 2;
  if (w1 > w0) step(m, ptr(rec, L_W) + wo, ptr(rec, L_DW) + wo, offset(ptr(rec, L_S1W), wo), offset(ptr(rec, L_S2W), wo), w1 - w0, lr, decay, c1, c2);
  if (b1 > b0) step(m, ptr(rec, L_B) + bo, ptr(rec, L_DB) + bo, offset(ptr(rec, L_S1B), bo), offset(ptr(rec, L_S2B), bo), b1 - b0, lr, 0, c1, c2);
}

/** p + bytes, or 0 for no block. */
// @ts-ignore: decorator
@inline function offset(p: usize, bytes: usize): usize { return p ? p + bytes : 0; }

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
  if (i == STAT_LOSS_LIMIT) return lossLimit(m);
  if (i == STAT_BATCHES) return <f64>load<i32>(m + BATCHES_DONE);
  if (i >= STAT_PASS) return load<f64>(m + PASS_STATS + (<usize>(i - STAT_PASS) << 3));
  return load<f64>(m + STATS + (<usize>i << 3)); // (STAT_RECENT_LOSS: RECENT_LOSS follows STATS)
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
// Row weights (fit's classWeight and sampleWeight, Keras's meaning) travel with their rows — gathered
// with them, carried with them — and scale each row's loss and dZ (assembly/heads.ts); the batch's
// divisor stays its row count, so a batch's loss is Σ wᵢ·lossᵢ / rows. A null pointer is no weights.

// @ts-ignore: decorator
@inline function oneUnit(m: usize, batchSize: i32): bool {
  return batchSize != FULL_BATCH && batchSize <= load<i32>(m + CAPACITY);
}

/** Train `rows` ≤ capacity rows at x, y (weights w, or 0): a whole batch (oneUnit) or the next unit
 *  of a larger one. False when the batch diverged (stopped before its update). */
function trainUnit(m: usize, x: usize, y: usize, w: usize, rows: i32, batchSize: i32, lr: f32, decay: f32): bool {
  forward(m, x, rows);
  if (oneUnit(m, batchSize)) {
    if (!acceptLoss(m, lossGradient(m, y, w, rows, rows, m + STATS), rows)) return false;
    backward(m, x, rows, lr, decay, -1);
    return stepDone(m);
  }
  const done = load<i32>(m + BATCH_ROWS);
  store<f64>(m + BATCH_LOSS, load<f64>(m + BATCH_LOSS) + lossGradient(m, y, w, rows, 1, m + STATS));
  backward(m, x, rows, 0, 0, done);
  store<i32>(m + BATCH_ROWS, done + rows);
  return true;
}

/** Every layer's dW, db ← the partial sums of the batch's blocks; the batch's sums start again. */
function foldBatch(m: usize): void {
  const blocks = load<i32>(m + BLOCKS_DONE);
  store<i32>(m + BLOCKS_DONE, 0);
  for (let l = 0, n = load<i32>(m + LAYERS); l < n; l++) {
    const rec = layer(m, l);
    foldLevels(m, rec, blocks, 0, field(rec, L_IN) * field(rec, L_OUT));
    foldLevels(m, rec, blocks, ptr(rec, L_DB) - ptr(rec, L_DW), field(rec, L_OUT));
  }
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
 * Batches first…first+count−1 of the epoch that epochBegin began, as the TrainBatchesCall at `call`
 * says (assembly/contract.ts): over x (rows×inputs), y (rows) and the rows' weights w (rows f32, or
 * 0 for none) held in memory, batches of batchSize rows (the last may be shorter), each followed by
 * a step of the model's optimizer with learning rate lr and weight decay λ₂ = decay. shuffled: the
 * rows in the order epochBegin drew, each unit gathered through xBatch/yBatch/wBatch (capacity
 * rows); otherwise read in place. Returns −1, or the batch at which training diverged: its mean loss
 * was NaN or infinite, or took the recent loss past the exploding-loss limit (the call stops
 * there, without that batch's update), or its update left a parameter that is not finite.
 */
export function trainBatches(m: usize, call: usize): i32 {
  const c = changetype<TrainBatchesCall>(call);
  const x = c.x, y = c.y, w = c.w, rows = c.rows, batchSize = c.batchSize, first = c.first, count = c.count, lr = c.lr, decay = c.decay;
  const shuffled = c.shuffled != 0, order = c.order, xBatch = c.xBatch, yBatch = c.yBatch, wBatch = c.wBatch;
  const capacity = load<i32>(m + CAPACITY);
  const batches = rows / batchSize + (rows % batchSize ? 1 : 0);
  const last = min(batches, first + count);
  for (let batch = first; batch < last; batch++) {
    const start = batch * batchSize;
    const size = min(batchSize, rows - start);
    for (let done = 0; done < size; done += capacity) {
      const part = min(capacity, size - done);
      const from = start + done;
      const bx = shuffled ? gather(m, x, y, w, order, from, part, xBatch, yBatch, wBatch) : x + <usize>from * rowBytes(m);
      const by = shuffled ? yBatch : y + <usize>from * labelBytes(m);
      const bw: usize = !w ? 0 : shuffled ? wBatch : w + (<usize>from << 2);
      if (!trainUnit(m, bx, by, bw, part, batchSize, lr, decay)) return batch;
    }
    if (!oneUnit(m, batchSize) && !finishBatch(m, lr, decay)) return batch;
  }
  return -1;
}

/**
 * The next `rows` rows of the epoch's stream, as the TrainRowsCall at `call` says: at x, y (and
 * their weights at w, or 0), in order, batches cut from the stream as trainBatches cuts them from
 * rows in memory, whatever the calls' sizes. A unit that the call does not complete waits in the
 * carry buffer (xCarry, yCarry, wCarry: capacity rows; wCarry 0 without weights) for the next call,
 * or for trainRowsEnd. Returns −1 or the batch at which training diverged, as trainBatches.
 */
export function trainRows(m: usize, call: usize): i32 {
  const c = changetype<TrainRowsCall>(call);
  const x = c.x, y = c.y, w = c.w, rows = c.rows, batchSize = c.batchSize, lr = c.lr, decay = c.decay;
  const xCarry = c.xCarry, yCarry = c.yCarry, wCarry = c.wCarry;
  const capacity = load<i32>(m + CAPACITY);
  const bytes = rowBytes(m), yBytes = labelBytes(m);
  let at = 0;
  while (at < rows) {
    const unit = oneUnit(m, batchSize) ? batchSize : min(capacity, batchSize - load<i32>(m + BATCH_ROWS));
    const carried = load<i32>(m + CARRIED);
    const available = rows - at;
    let ux = x + <usize>at * bytes, uy = y + <usize>at * yBytes, uw: usize = w ? w + (<usize>at << 2) : 0;
    if (carried > 0 || available < unit) {
      const take = min(unit - carried, available);
      memory.copy(xCarry + <usize>carried * bytes, ux, <usize>take * bytes);
      memory.copy(yCarry + <usize>carried * yBytes, uy, <usize>take * yBytes);
      if (w) memory.copy(wCarry + (<usize>carried << 2), uw, <usize>take << 2);
      at += take;
      if (carried + take < unit) {
        store<i32>(m + CARRIED, carried + take);
        break;
      }
      store<i32>(m + CARRIED, 0);
      ux = xCarry;
      uy = yCarry;
      uw = w ? wCarry : 0;
    } else {
      at += unit;
    }
    if (!trainUnit(m, ux, uy, uw, unit, batchSize, lr, decay)) return load<i32>(m + BATCHES_DONE);
    if (!oneUnit(m, batchSize) && (load<i32>(m + BATCH_ROWS) == batchSize) && !finishBatch(m, lr, decay)) return load<i32>(m + BATCHES_DONE);
  }
  return -1;
}

/** The end of the epoch's stream: the rows waiting in the carry buffer are the last, shorter
 *  batch (or the last unit of a larger one), and a batch under way takes its step. A batch that
 *  turns out to hold every row of the epoch is full-batch descent, as it is for rows in memory. */
export function trainRowsEnd(m: usize, batchSize: i32, lr: f32, decay: f32, xCarry: usize, yCarry: usize, wCarry: usize): i32 {
  const carried = load<i32>(m + CARRIED);
  store<i32>(m + CARRIED, 0);
  const size = load<i32>(m + BATCHES_DONE) == 0 ? FULL_BATCH : batchSize;
  if (carried > 0 && !trainUnit(m, xCarry, yCarry, wCarry, carried, size, lr, decay)) return load<i32>(m + BATCHES_DONE);
  if (!oneUnit(m, size) && !finishBatch(m, lr, decay)) return load<i32>(m + BATCHES_DONE);
  return -1;
}

// @ts-ignore: decorator
@inline function rowBytes(m: usize): usize { return <usize>load<i32>(m + INPUTS) << 2; }

/** Bytes of a row's labels: one f32, or a regression's target for each output. */
// @ts-ignore: decorator
@inline function labelBytes(m: usize): usize { return load<i32>(m + HEAD) == HEAD_REGRESSION ? <usize>outputWidth(m) << 2 : 4; }

/** Rows order[start…start+n) of x, y and w (0: no weights) gathered into xBatch, yBatch, wBatch. Returns xBatch. */
function gather(m: usize, x: usize, y: usize, w: usize, order: usize, start: i32, n: i32, xBatch: usize, yBatch: usize, wBatch: usize): usize {
  const s = stepArgs<GatherArgs>();
  s.bytes = rowBytes(m); s.x = x; s.y = y; s.w = w; s.order = order + (<usize>start << 2); s.n = n; s.xBatch = xBatch; s.yBatch = yBatch; s.wBatch = wBatch; s.yBytes = labelBytes(m);
  share(m, STEP_GATHER, <i64>n * (load<i32>(m + INPUTS) + GATHER_WORK), (n + 3) >> 2);
  return xBatch;
}

function gatherPart(part: i32, parts: i32): void {
  const s = stepArgs<GatherArgs>();
  const bytes = s.bytes, x = s.x, y = s.y, w = s.w, order = s.order, n = s.n;
  const xBatch = s.xBatch, yBatch = s.yBatch, wBatch = s.wBatch, yBytes = s.yBytes;
  const r0 = lo(n, part, parts, 4), r1 = lo(n, part + 1, parts, 4);
  for (let r = r0; r < r1; r++) {
    const src = <usize>load<u32>(order + (<usize>r << 2));
    copyRow(xBatch + <usize>r * bytes, x + src * bytes, bytes);
    if (yBytes == 4) store<f32>(yBatch + (<usize>r << 2), load<f32>(y + (src << 2)));
    else copyRow(yBatch + <usize>r * yBytes, y + src * yBytes, yBytes);
  }
  if (w) for (let r = r0; r < r1; r++) store<f32>(wBatch + (<usize>r << 2), load<f32>(w + (<usize>load<u32>(order + (<usize>r << 2)) << 2)));
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
    lossGradient(m, y + <usize>done * labelBytes(m), 0, part, 1, m + PASS_STATS);
    backward(m, bx, part, 0, 0, before + done);
  }
}

/** The statistics of lastStat over rows (added to them), in chunks of the workspace capacity;
 *  with probabilities (rows × the head's width floats; 0 = none) also what predict() gives per row. */
export function evaluate(m: usize, x: usize, y: usize, rows: i32, probabilities: usize): void {
  const capacity = load<i32>(m + CAPACITY);
  const width = <usize>outputWidth(m);
  for (let start = 0; start < rows; start += capacity) {
    const size = min(capacity, rows - start);
    const z = forward(m, x + <usize>start * rowBytes(m), size);
    const at = <usize>start << 2;
    lossStep(m, z, y + <usize>start * labelBytes(m), 0, size, size, 0, probabilities ? probabilities + at * width : 0, m + PASS_STATS);
  }
}

/** probabilities[i·width…] = what the head gives for row i (binary: σ(z_i); softmax: its k
 *  probabilities), in chunks of the workspace capacity. */
export function predict(m: usize, x: usize, rows: i32, probabilities: usize): void {
  const capacity = load<i32>(m + CAPACITY);
  const width = outputWidth(m);
  for (let start = 0; start < rows; start += capacity) {
    const size = min(capacity, rows - start);
    const z = forward(m, x + <usize>start * rowBytes(m), size);
    const s = stepArgs<OutputsArgs>();
    s.head = load<i32>(m + HEAD); s.z = z; s.out = probabilities + ((<usize>start * <usize>width) << 2); s.rows = size; s.width = width;
    share(m, STEP_OUTPUTS, <i64>size * width * LOSS_WORK, size);
  }
}

function outputsPart(part: i32, parts: i32): void {
  const s = stepArgs<OutputsArgs>();
  const rows = s.rows;
  headOutputs(s.head, s.z, s.out, lo(rows, part, parts, 1), lo(rows, part + 1, parts, 1), s.width);
}

/** Where the Node/browser wrapper may start carving memory. */
export function heapBase(): usize { return __heap_base; }
