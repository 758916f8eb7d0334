// The training half of the 'wasm' backend: the rows of a fit loaded into linear memory, streams,
// the optimizer's state, snapshots, epochs and their runs of batches. Loaded with the training
// code (src/train/fit.ts re-exports it), so that a page that only predicts never downloads it; it
// works on the backend's own blocks through the members src/backend/wasm/wasm-backend.ts leaves open to it.
import { FULL_BATCH, type Dataset, type FitPlan, type RowStream, type Snapshot, type Trainer } from '../backend.js';
import type { TrainingState } from '../../network/architecture.js';
import type { PassStats } from '../../metrics/classification.js';
import type { Matrix } from '../../data/matrix.js';
import { optimizerParameters, type Optimizer } from '../../network/optimizers.js';
import type { RngState } from '../../core/prng.js';
import {
  CALL,
  HEADER_BYTES,
  LOSS_REFERENCE,
  POWERS,
  RECENT_LOSS,
  RNG,
  STAT_BATCHES,
  STAT_LOSS_LIMIT,
  STAT_RECENT_LOSS,
  STATE_COPIES,
  writeTrainBatchesCall,
  writeTrainRowsCall,
} from './contract.js';
import { fitBlocks, levelBytes, levelCount, optimizerStateBytes } from '../plan.js';
import type { WasmBackend, WasmDataset, WasmSnapshot } from './wasm-backend.js';

export class WasmTrainer implements Trainer {
  constructor(private readonly b: WasmBackend) {}

  loadFit(
    plan: FitPlan,
    train: { x: Matrix; y: Float32Array; weights: Float32Array | null },
    validation: { x: Matrix; y: Float32Array } | null,
  ): { train: WasmDataset; validation: WasmDataset | null } {
    const inputs = this.b.inputs;
    const rows = plan.trainRows,
      valRows = plan.validationRows;
    const { sizes, workspaceRows, levels } = fitBlocks(this.b.plan, inputs, plan);
    const scaler = this.b.scalerBytes(train.x);
    const purpose = `fit on ${rows} rows × ${inputs} columns` + (validation ? ` (and ${valRows} validation rows)` : '') + ` in ${batchesText(plan.batchSize)}`;
    const blocks = this.b.reserve(workspaceRows, [...sizes, ...scaler], 'x', purpose);
    const take = (): number => blocks.shift()!;
    const [x, y] = [take(), take()];
    const w = plan.weighted ? take() : 0;
    const [order, xBatch, yBatch] = plan.shuffle ? [take(), take(), take()] : [0, 0, 0];
    const wBatch = plan.shuffle && plan.weighted ? take() : 0;
    const [vx, vy, vp] = validation ? [take(), take(), take()] : [0, 0, 0];
    const levelBlock = levels > 0 ? take() : 0;
    const scalerBlock = scaler.length ? take() : 0;
    const arena = this.b.core.arena;
    const held = [x, y, w, order, xBatch, yBatch, wBatch, vx, vy, vp, levelBlock].filter((p) => p !== 0);
    const dataset = (at: number, labels: number, count: number, extra: Partial<WasmDataset>, own: number[]): WasmDataset => ({
      rows: count,
      x: at,
      y: labels,
      w: 0,
      order: 0,
      xBatch: 0,
      yBatch: 0,
      wBatch: 0,
      probabilities: 0,
      shuffled: false,
      ...extra,
      release: () => own.forEach((p) => arena.release(p)),
    });
    try {
      if (scalerBlock) this.b.writeScaler(train.x.standardization!, scalerBlock);
      this.b.stage(train.x, 0, rows, x, scalerBlock);
      this.b.core.f32(y, rows * this.b.plan.labelWidth).set(train.y);
      if (w) this.b.core.f32(w, rows).set(train.weights!);
      if (validation) {
        this.b.stage(validation.x, 0, valRows, vx, scalerBlock);
        this.b.core.f32(vy, valRows * this.b.plan.labelWidth).set(validation.y);
      }
    } catch (error) {
      held.forEach((p) => arena.release(p));
      throw error;
    } finally {
      if (scalerBlock) arena.release(scalerBlock);
    }
    this.b.useLevels(levelBlock, levels);
    return {
      train: {
        ...dataset(x, y, rows, { w, order, xBatch, yBatch, wBatch }, []),
        release: () => {
          this.b.useLevels(0, 0);
          [x, y, w, order, xBatch, yBatch, wBatch, levelBlock].filter((p) => p !== 0).forEach((p) => arena.release(p));
        },
      },
      validation: validation ? dataset(vx, vy, valRows, { probabilities: vp }, [vx, vy, vp]) : null,
    };
  }

  setOptimizer(optimizer: Optimizer): void {
    const { kind, hyper, nesterov } = optimizerParameters(optimizer);
    // Momentum keeps a velocity per parameter, Adam two moments: blocks laid out as the parameters.
    const copies = STATE_COPIES[optimizer.type];
    const floats = this.b.plan.parameterFloats;
    const arena = this.b.core.arena;
    const [state] = copies
      ? arena.allocateAll([optimizerStateBytes(this.b.plan, copies)], 'options.optimizer', `the ${optimizer.type} optimizer's state`)
      : [0];
    if (this.b.stateBlock) arena.release(this.b.stateBlock);
    this.b.stateBlock = state!;
    this.b.stateCopies = copies;
    if (state) this.b.core.f32(state, copies * floats).fill(0);
    this.b.call((wasm) => {
      this.b.plan.layers.forEach((o, l) => {
        if (!state) return wasm.modelSetLayerState(this.b.model, l, 0, 0, 0, 0);
        const first = (offset: number): number => state + 4 * offset;
        const second = (offset: number): number => (copies === 2 ? first(floats + offset) : 0);
        wasm.modelSetLayerState(this.b.model, l, first(o.weights), first(o.bias), second(o.weights), second(o.bias));
      });
      wasm.modelSetOptimizer(this.b.model, kind, ...hyper, nesterov);
    });
  }

  snapshot(): WasmSnapshot {
    this.b.usable();
    const floats = this.b.plan.parameterFloats;
    return {
      backend: 'wasm',
      parameters: this.b.core.f32(this.b.block, floats).slice(),
      state: this.b.stateBlock ? this.b.core.f32(this.b.stateBlock, this.b.stateCopies * floats).slice() : null,
      training: this.b.trainingBytes().slice(),
    };
  }

  restore(snapshot: Snapshot): void {
    const s = snapshot as WasmSnapshot;
    this.b.core.f32(this.b.block, this.b.plan.parameterFloats).set(s.parameters);
    if (s.state && this.b.stateBlock && s.state.length === this.b.stateCopies * this.b.plan.parameterFloats)
      this.b.core.f32(this.b.stateBlock, s.state.length).set(s.state);
    this.b.trainingBytes().set(s.training);
  }

  setTrainingState(state: TrainingState): void {
    const v = this.header();
    v.setFloat64(RECENT_LOSS, state.recentLoss, true);
    v.setFloat64(LOSS_REFERENCE, state.lossReference, true);
    state.rng.forEach((word, i) => v.setUint32(RNG + 4 * i, word, true));
    state.powers.forEach((power, i) => v.setFloat32(POWERS + 4 * i, power, true));
    state.moments.forEach((layers, copy) =>
      this.b.plan.layers.forEach((o, l) => {
        const at = (offset: number): number => this.b.stateBlock + 4 * (copy * this.b.plan.parameterFloats + offset);
        this.b.core.f32(at(o.weights), o.weightCount).set(layers[l]!.weights);
        this.b.core.f32(at(o.bias), o.units).set(layers[l]!.bias);
      }),
    );
  }

  setLossRule(on: boolean, restart: boolean): void {
    this.b.call((wasm) => wasm.modelSetLossRule(this.b.model, on, restart));
  }

  observeLoss(meanLoss: number): void {
    this.b.call((wasm) => wasm.modelObserveLoss(this.b.model, meanLoss));
  }

  beginEpoch(data: Dataset | null, shuffle: boolean): void {
    const ds = data as WasmDataset | null;
    if (shuffle && !ds?.order) throw new Error('gradwasm: a shuffled epoch over rows loaded without room to shuffle');
    if (ds) ds.shuffled = shuffle;
    this.b.call((wasm) => wasm.epochBegin(this.b.model, ds?.rows ?? 0, shuffle, ds?.order ?? 0));
  }

  trainBatches(data: Dataset, first: number, count: number, batchSize: number, learningRate: number, weightDecay: number): number {
    const ds = data as WasmDataset,
      call = this.b.model + CALL;
    return this.b.call((wasm) => {
      writeTrainBatchesCall(wasm.memory, call, {
        x: ds.x,
        y: ds.y,
        w: ds.w,
        rows: ds.rows,
        batchSize,
        first,
        count,
        lr: learningRate,
        decay: weightDecay,
        shuffled: ds.shuffled,
        order: ds.order,
        xBatch: ds.xBatch,
        yBatch: ds.yBatch,
        wBatch: ds.wBatch,
      });
      return wasm.trainBatches(this.b.model, call);
    });
  }

  rng(): RngState {
    const v = this.header();
    return [0, 1, 2, 3].map((i) => v.getUint32(RNG + 4 * i, true)) as RngState;
  }

  setRng(state: RngState): void {
    const v = this.header();
    state.forEach((word, i) => v.setUint32(RNG + 4 * i, word, true));
  }

  openStream(batchSize: number, standardization: { mean: Float64Array; scale: Float64Array } | null, rows: number | null, weighted: boolean): RowStream {
    const inputs = this.b.inputs,
      labels = this.b.plan.labelWidth;
    // A unit waiting for the rest of its rows is at most a batch, or one capacity of a larger batch.
    const carry = Math.min(batchSize, this.b.plan.chunkRows),
      staged = this.b.plan.chunkRows;
    // A full batch of a stream that does not say its rows may have up to 2^31 − 1 of them. Any
    // batch is summed in blocks onto partial sums when it turns out to hold every row of the
    // epoch (trainRowsEnd trains it as full-batch descent, as fit does rows in memory): room for
    // them always, even for a batch that fits one chunk.
    const full = batchSize === FULL_BATCH;
    const levels = levelCount(this.b.plan, full ? (rows ?? FULL_BATCH) : batchSize, true);
    const scalerBytes = this.b.scalerBytes({ standardization: standardization ?? undefined });
    const blocks = this.b.reserve(
      carry,
      [
        4 * carry * inputs,
        4 * carry * labels,
        4 * staged * inputs,
        4 * staged * labels,
        levelBytes(this.b.plan, levels),
        ...scalerBytes,
        ...(weighted ? [4 * carry, 4 * staged] : []),
      ],
      'x',
      `training on a stream in ${batchesText(batchSize)}`,
    );
    const [xCarry, yCarry, xStaged, yStaged, levelBlock] = blocks;
    const scaler = scalerBytes.length ? blocks[5]! : 0;
    const [wCarry, wStaged] = weighted ? (blocks.slice(-2) as [number, number]) : [0, 0]; // (0: no weights)
    if (scaler) this.b.writeScaler(standardization!, scaler);
    this.b.useLevels(levels > 0 ? levelBlock! : 0, levels);
    const call = this.b.model + CALL;
    return {
      rows: staged,
      train: (x, y, weights, start, count, learningRate, weightDecay) => {
        this.b.stage(x, start, count, xStaged!, scaler);
        this.b.core.f32(yStaged!, count * labels).set(y.subarray(start * labels, (start + count) * labels));
        if (wStaged) this.b.core.f32(wStaged, count).set(weights!.subarray(start, start + count));
        return this.b.call((wasm) => {
          writeTrainRowsCall(wasm.memory, call, {
            x: xStaged!,
            y: yStaged!,
            w: wStaged,
            rows: count,
            batchSize,
            lr: learningRate,
            decay: weightDecay,
            xCarry: xCarry!,
            yCarry: yCarry!,
            wCarry,
          });
          return wasm.trainRows(this.b.model, call);
        });
      },
      end: (learningRate, weightDecay) =>
        this.b.call((wasm) => wasm.trainRowsEnd(this.b.model, batchSize, learningRate, weightDecay, xCarry!, yCarry!, wCarry)),
      release: () => {
        this.b.useLevels(0, 0);
        blocks.forEach((b) => this.b.core.arena.release(b));
      },
    };
  }

  /** The model's descriptor, to read and write fields of it at their offsets (src/backend/wasm/contract.ts). */
  private header(): DataView {
    this.b.usable();
    return new DataView(this.b.core.exports.memory.buffer, this.b.model, HEADER_BYTES);
  }

  epochStats(): PassStats & { recentLoss: number; limit: number; batches: number } {
    const at = (i: number): number => this.b.call((wasm) => wasm.lastStat(this.b.model, i));
    return { ...this.b.stats(), recentLoss: at(STAT_RECENT_LOSS), limit: at(STAT_LOSS_LIMIT), batches: at(STAT_BATCHES) };
  }
}

function batchesText(batchSize: number): string {
  return batchSize === FULL_BATCH ? 'one batch of all rows' : `batches of ${batchSize}`;
}
