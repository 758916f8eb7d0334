// The worker side of trainInWorker: wait for one start message, build the model, fit it,
// report every epoch, and send back the final weights (or the error, with its class).
import { dense } from '../network/layers.js';
import { Sequential } from '../model/sequential.js';
import type { FitOptions } from '../train/fit-options.js';
import { emptyHistory, type History } from '../train/history.js';
import { setMemoryLimit } from '../backend/wasm/arena.js';
import { buffersOf, layerArrays, type ErrorMessage, type HostMessage, type StartMessage, type WorkerMessage } from './protocol.js';
import { errorRecord } from './error-record.js';

/**
 * What {@link serveTraining} needs of the worker it runs in: a browser worker's `self`, or an
 * adapter over Node's `parentPort` (see dist/worker.js).
 */
export interface TrainingPort {
  postMessage(message: unknown, transfer: ArrayBuffer[]): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
}

/**
 * Run the worker side of {@link trainInWorker} on `port`. The worker scripts shipped in dist/
 * call it; call it yourself only to build your own worker script (for example one that your
 * bundler emits), then pass that script's URL as `workerUrl`.
 */
export function serveTraining(port: TrainingPort): void {
  // fit yields between runs of batches, so a cancel arriving mid-epoch aborts it there.
  const cancel = new AbortController();
  let started = false;
  const send = (message: WorkerMessage, transfer: ArrayBuffer[] = []): void => port.postMessage(message, transfer);
  port.addEventListener('message', ({ data }) => {
    const message = data as HostMessage;
    if (message.type === 'cancel') cancel.abort();
    if (message.type === 'start' && !started) {
      started = true;
      train(message).catch((error: unknown) => send(errorMessage(error)));
    }
  });

  async function train(job: StartMessage): Promise<void> {
    setMemoryLimit(job.memoryLimit);
    const { seed, backend, threads } = job.model;
    const model =
      'create' in job.model
        ? await Sequential.create({
            inputs: job.model.create.inputs,
            layers: job.model.create.layers.map((l) => dense(l.units, l.activation)),
            seed,
            backend,
            threads,
            scaler: job.model.scaler,
            targetScaler: job.model.targetScaler,
            ...(job.model.names.features ? { featureNames: job.model.names.features } : {}),
            ...(job.model.names.label !== null ? { labelName: job.model.names.label } : {}),
            ...(job.model.names.classes !== null ? { classes: job.model.names.classes } : {}),
          })
        : await Sequential.fromJSON(job.model.load, job.model.load.training ? { backend, threads } : { seed, backend, threads }); // (a checkpoint has its own generator)
    try {
      const {
        epochs,
        learningRate,
        optimizer,
        weightDecay,
        learningRateSchedule,
        batchSize,
        shuffle,
        validation,
        validationSplit,
        earlyStopping,
        stopOnExplodingLoss,
        initialEpoch,
        classWeight,
        sampleWeight,
      } = job.fit;
      let history: History = emptyHistory(validation !== null || validationSplit !== null);
      const options: FitOptions = {
        epochs,
        learningRate,
        optimizer,
        weightDecay,
        batchSize,
        shuffle,
        stopOnExplodingLoss,
        initialEpoch,
        signal: cancel.signal,
      };
      if (learningRateSchedule) options.learningRateSchedule = learningRateSchedule;
      if (validation) options.validationData = [validation.x, validation.y];
      if (validationSplit !== null) options.validationSplit = validationSplit;
      if (earlyStopping) options.earlyStopping = earlyStopping;
      if (classWeight) options.classWeight = classWeight === 'balanced' ? classWeight : { ...classWeight };
      if (sampleWeight) options.sampleWeight = sampleWeight;
      let lastEpochEnd = performance.now();
      if (!cancel.signal.aborted) {
        history = await model.fit(job.x, job.y, {
          ...options,
          onEpochEnd: async (log) => {
            const weights = job.weightsEvery > 0 && (log.epoch + 1) % job.weightsEvery === 0 ? model.getWeights() : undefined;
            send(weights ? { type: 'epoch', log, weights } : { type: 'epoch', log }, weights ? buffersOf(layerArrays(weights)) : []);
            // A timer may fire up to a millisecond before its time by this clock (it counts from
            // the event loop's cached start of turn): wait again until the epoch has had its time.
            const due = lastEpochEnd + job.minEpochMs;
            for (let wait = due - performance.now(); wait > 0; wait = due - performance.now()) await new Promise((resolve) => setTimeout(resolve, wait));
            lastEpochEnd = performance.now();
            return !cancel.signal.aborted; // a cancel that arrived while waiting stops here
          },
        });
      }
      // Cancelled before the last epoch (early stopping may end training sooner, uncancelled).
      const cancelled = cancel.signal.aborted && history.loss.length < epochs - initialEpoch;
      const weights = model.getWeights();
      send({ type: 'done', weights, history, cancelled, threads: model.threads }, buffersOf(layerArrays(weights)));
    } finally {
      model.dispose();
    }
  }
}

function errorMessage(error: unknown): ErrorMessage {
  return { type: 'error', ...errorRecord(error) };
}
