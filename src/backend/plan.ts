// Every size of a model's memory, computed once and here, in float64 (exact for integers below
// 2⁵³, so nothing wraps), before anything is allocated. The 'wasm' backend allocates exactly
// these blocks and hands their addresses to the core (assembly/model.ts computes no size); the
// 'js' backend takes its chunk size from here too, so both cut long passes the same way.
import type { Architecture } from '../network/architecture.js';
import { HEADER_BYTES, RECORD_BYTES } from './wasm/contract.js';
import { MemoryLimitError } from '../core/errors.js';
import { ADDRESS_SPACE } from '../core/limits.js';
import { headOf } from '../heads/index.js';

/**
 * What one chunk of rows may take: the workspace of a pass (every layer's outputs and the two
 * gradient buffers) plus the staged input rows, labels and probabilities. A pass over more rows,
 * and a batch larger than this, run through it chunk by chunk, so memory stays bounded by the
 * model, not by the data. 8 MiB is thousands of rows for any model of moderate width, which
 * keeps the per-chunk overhead far below the work of a chunk.
 */
export const CHUNK_BUDGET = 8 * 2 ** 20;

/** A layer's kernel and bias in the parameter block: float offsets and counts. */
export interface LayerPlan {
  weights: number;
  bias: number;
  weightCount: number;
  units: number;
}

export interface ModelPlan {
  descriptorBytes: number;
  layers: LayerPlan[];
  /** Floats of one copy of every kernel and bias, each 16-byte aligned; the gradients follow
   *  them in the same layout, and the optimizer's state (one or two copies) has it too. */
  parameterFloats: number;
  /** Floats of the scratch for a transposed hidden kernel (the largest one). */
  packedFloats: number;
  /** The block of the parameters, their gradients and that scratch. */
  blockBytes: number;
  /** The widest layer output: the gradient buffers are this wide (the first layer's input
   *  gradient is never formed, so the feature count does not count). */
  widest: number;
  /** What predict gives per row: the last layer's units (binary: 1; softmax: k). */
  outputWidth: number;
  /** Labels per row: one (a class), or a regression's target per output (its linear units). */
  labelWidth: number;
  /** Bytes one row of a chunk takes (workspace and staging), alignment aside. */
  rowBytes: number;
  /** The rows of a chunk: the largest workspace capacity this model ever gets. */
  chunkRows: number;
}

const align16 = (bytes: number): number => Math.ceil(bytes / 16) * 16;
const alignFloats = (n: number): number => Math.ceil(n / 4) * 4;

export function planModel(architecture: Architecture): ModelPlan {
  let fanIn = architecture.inputs,
    floats = 0,
    packed = 0,
    widest = 1,
    outputs = 0;
  const layers = architecture.layers.map(({ units }, l) => {
    const weightCount = fanIn * units;
    const plan = { weights: floats, bias: floats + alignFloats(weightCount), weightCount, units };
    floats += alignFloats(weightCount) + alignFloats(units);
    if (l > 0) packed = Math.max(packed, weightCount);
    widest = Math.max(widest, units);
    outputs += units;
    fanIn = units;
    return plan;
  });
  // staged input row, label and outputs; the two gradient rows, the 1.0, the loss (f64), every layer's outputs
  const last = architecture.layers[architecture.layers.length - 1]!;
  const outputWidth = last.units;
  const labelWidth = headOf('layers', architecture.layers).labelWidth(outputWidth);
  const rowBytes = 4 * (architecture.inputs + labelWidth + outputWidth + 2 * widest + 1 + 2 + outputs);
  return {
    descriptorBytes: HEADER_BYTES + RECORD_BYTES * layers.length,
    layers,
    parameterFloats: floats,
    packedFloats: packed,
    blockBytes: 4 * (2 * floats + alignFloats(packed)),
    widest,
    outputWidth,
    labelWidth,
    rowBytes,
    chunkRows: chunkRows(rowBytes),
  };
}

/** As many rows as fit the budget: a multiple of 256 (of 4 below that, for the 4-row GEMM tiles), at least 1. */
function chunkRows(rowBytes: number): number {
  const rows = Math.max(1, Math.floor(CHUNK_BUDGET / rowBytes));
  if (rows >= 256) return rows - (rows % 256);
  return rows >= 4 ? rows - (rows % 4) : rows;
}

/** Where the workspace for `capacity` rows puts each buffer (byte offsets from its start). */
export interface WorkspaceLayout {
  bytes: number;
  deltaA: number;
  deltaB: number;
  ones: number;
  losses: number;
  outputs: number[];
}

export function workspaceLayout(plan: ModelPlan, capacity: number): WorkspaceLayout {
  const delta = align16(capacity * plan.widest * 4);
  let at = 2 * delta;
  const ones = at;
  at += align16(capacity * 4);
  const losses = at;
  at += align16(capacity * 8);
  const outputs = plan.layers.map(({ units }) => {
    const offset = at;
    at += align16(capacity * units * 4);
    return offset;
  });
  return { bytes: at, deltaA: 0, deltaB: delta, ones, losses, outputs };
}

/** What fit() holds besides the model, as block sizes in this order: the training rows and
 *  labels (and weights, when weighted); when shuffled, the order and the gathered batch (rows,
 *  labels, weights when weighted); with validation rows, those, their labels and their
 *  probabilities; the partial sums of a batch of many blocks (`levels` of them). And the
 *  workspace rows it needs. */
export function fitBlocks(
  plan: ModelPlan,
  inputs: number,
  fit: { trainRows: number; validationRows: number; batchSize: number; shuffle: boolean; weighted: boolean },
): { sizes: number[]; workspaceRows: number; levels: number } {
  // The gathered batch holds as many rows as the workspace runs at once (assembly/model.ts's
  // trainBatches): min(batch, chunk, rows), which the workspace is made to hold too.
  const rows = fit.trainRows,
    valRows = fit.validationRows;
  const batchRows = Math.min(fit.batchSize, plan.chunkRows, rows);
  const levels = levelCount(plan, Math.min(fit.batchSize, rows), fit.batchSize >= rows || fit.batchSize > plan.chunkRows);
  const labels = plan.labelWidth;
  const sizes = [4 * rows * inputs, 4 * rows * labels];
  if (fit.weighted) sizes.push(4 * rows);
  if (fit.shuffle) sizes.push(4 * rows, 4 * batchRows * inputs, 4 * batchRows * labels);
  if (fit.shuffle && fit.weighted) sizes.push(4 * batchRows);
  if (valRows > 0) sizes.push(4 * valRows * inputs, 4 * valRows * labels, 4 * valRows * plan.outputWidth);
  if (levels > 0) sizes.push(levelBytes(plan, levels));
  return { sizes, workspaceRows: Math.max(batchRows, Math.min(valRows, plan.chunkRows)), levels };
}

/** Rows of a block: a batch of more is summed block by block, the blocks' sums combined pairwise
 *  (assembly/model.ts, "Sums over the rows of a batch"). 256, or a chunk for a model too wide for that. */
export function blockRows(plan: ModelPlan): number {
  return Math.min(256, plan.chunkRows);
}

/** The partial sums a batch of `batchRows` rows needs: none for a batch of one block summed at
 *  once, else one per bit of its block count. `inUnits`: the batch runs through the workspace in
 *  units (a full batch, or one larger than a chunk), which always goes through them. */
export function levelCount(plan: ModelPlan, batchRows: number, inUnits: boolean): number {
  const blocks = Math.ceil(batchRows / blockRows(plan));
  if (blocks <= 1 && !inUnits) return 0;
  return Math.max(1, Math.floor(Math.log2(blocks)) + 1);
}

/** Bytes of `count` partial sums and the scratch of one block, each as large as the gradients. */
export function levelBytes(plan: ModelPlan, count: number): number {
  return count === 0 ? 0 : 4 * (1 + count) * plan.parameterFloats;
}

/** The memory a model holds as long as it lives: its descriptor, parameters, gradients and scratch. */
export function modelBytes(plan: ModelPlan): number {
  return plan.descriptorBytes + plan.blockBytes;
}

/** The optimizer's state: `copies` blocks laid out as the parameters (momentum 1, Adam 2). */
export function optimizerStateBytes(plan: ModelPlan, copies: number): number {
  return copies * plan.parameterFloats * 4;
}

/** Throw unless a model of this plan fits the 4 GiB a wasm32 module addresses, on either backend
 *  (so that any model can move between them, and its parameters fit one typed array each). */
export function checkModelSize(plan: ModelPlan, architecture: Architecture, argument: string): void {
  const bytes = modelBytes(plan);
  if (bytes > ADDRESS_SPACE) {
    const parameters = plan.layers.reduce((n, l) => n + l.weightCount + l.units, 0);
    throw new MemoryLimitError(
      argument,
      `${argument} make a model of ${parameters} parameters (${architecture.inputs} inputs, layers of ` +
        `${architecture.layers.map((l) => l.units).join(', ')} units): with its gradients it needs ${(bytes / 2 ** 30).toFixed(1)} GiB, more than the 4 GiB gradwasm can address`,
      { bytes, limit: ADDRESS_SPACE },
    );
  }
}
