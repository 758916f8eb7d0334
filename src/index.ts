/**
 * gradwasm: binary classifiers — logistic regression and multi-layer perceptrons — trained
 * by gradient descent and back-propagation, computed in WebAssembly.
 * @packageDocumentation
 */
export { Sequential } from './sequential.js';
export type { SequentialOptions } from './sequential.js';
export type { BackendName, FitOptions, FitDatasetOptions, EpochLog, History, LayerWeights, Gradients, EvaluateOptions, Evaluation } from './types.js';
export type { DataChunk, DataSource, ChunkIterable, ColumnStats } from './dataset.js';
export { scanStats } from './dataset.js';
export type { OptimizerOptions, LearningRateSchedule, LbfgsOptions, Optimizer } from './optimizers.js';
export type { EarlyStoppingOptions } from './training.js';
export type { ClassWeight } from './weights.js';
export { confusionMatrix, precision, recall, f1Score, rocAuc } from './metrics.js';
export type { ConfusionMatrix } from './metrics.js';
export { LogisticRegression } from './logistic.js';
export type { LogisticRegressionOptions } from './logistic.js';
export { dense, ACTIVATIONS } from './layers.js';
export type { Activation, DenseLayer } from './layers.js';
export { BrokenModelError, DataError, DivergenceError, GradwasmError, MemoryLimitError, OptionError } from './errors.js';
export type { DataLocation, DivergenceCause } from './errors.js';
export type { Features, Labels, MatrixInput } from './data.js';
export type { ModelJSON, LayerJSON, TrainingJSON } from './serialize.js';
export { StandardScaler } from './scaler.js';
export type { ScalerJSON } from './scaler.js';
export { trainTestSplit } from './split.js';
export { parseCsv } from './csv.js';
export type { CsvOptions, CsvRows, CsvTable } from './csv.js';
export { toTfjsLayers, fromTfjsLayers } from './tfjs-format.js';
export { toOnnx, ONNX_OPSET } from './onnx.js';
export type { TfjsArtifacts, TfjsModelJSON, TfjsWeightSpec, FromTfjsOptions, TfjsGradwasmMetadata } from './tfjs-format.js';
export type { Split, SplitOptions } from './split.js';
export { trainInWorker } from './worker/host.js';
export type { TrainInWorkerOptions, TrainingJob, TrainingResult, WorkerFitOptions } from './worker/host.js';
export { serveTraining } from './worker/serve.js';
export type { TrainingPort } from './worker/serve.js';
export { setMemoryLimit } from './wasm/arena.js';
// The chain rule made visible (also `gradwasm/explain`, which adds model.graph()); a bundle that
// does not use them leaves them out.
export { graph, toDot, toMermaid } from './explain/graph.js';
export type { ModelGraph, GraphNode, GraphEdge, GraphOp, Dim } from './explain/graph.js';
export { explain } from './explain/trace.js';
export type { Trace, ExplainOptions } from './explain/trace.js';
export { formatTrace } from './explain/format.js';
