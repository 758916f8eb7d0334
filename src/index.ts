/**
 * gradwasm: binary classifiers — logistic regression and multi-layer perceptrons — trained
 * by gradient descent and back-propagation, computed in WebAssembly.
 * @packageDocumentation
 */
export { Sequential } from './model/sequential.js';
export type { SequentialOptions, TaskTypes, Prediction, EvaluationOf, TaskOf, TaskOfActivations } from './model/sequential.js';
export type { Task } from './heads/index.js';
export type { ClassName } from './data/classes.js';
export type { MulticlassEvaluation, Averages } from './metrics/multiclass.js';
export type { RegressionEvaluation } from './metrics/regression.js';
export type { BackendName } from './backend/backend.js';
export type { FitOptions, FitDatasetOptions } from './train/fit-options.js';
export type { EpochLog, History } from './train/history.js';
export type { LayerWeights, Gradients } from './network/architecture.js';
export type { EvaluateOptions, Evaluation } from './metrics/classification.js';
export type { DataChunk, DataSource, ChunkIterable, ColumnStats, RowMatrix, TableChunk, FeatureChunk } from './data/dataset.js';
export { scanStats } from './data/dataset.js';
export type { OptimizerOptions, LearningRateSchedule, LbfgsOptions, Optimizer } from './network/optimizers.js';
export type { EarlyStoppingOptions } from './train/early-stopping.js';
export type { ClassWeight } from './data/row-weights.js';
export { confusionMatrix, precision, recall, f1Score, rocAuc } from './metrics/classification.js';
export type { ConfusionMatrix } from './metrics/classification.js';
export { LogisticRegression } from './model/logistic.js';
export type { LogisticRegressionOptions } from './model/logistic.js';
export { dense, ACTIVATIONS, HIDDEN_ACTIVATIONS } from './network/layers.js';
export type { Activation, DenseLayer } from './network/layers.js';
export { BrokenModelError, DataError, DivergenceError, GradwasmError, MemoryLimitError, OptionError } from './core/errors.js';
export type { DataLocation, DivergenceCause } from './core/errors.js';
export type { Features, Labels, MatrixInput } from './data/matrix.js';
export type { ModelJSON, LayerJSON, TrainingJSON } from './network/model-json.js';
export { StandardScaler } from './data/scaler.js';
export type { ScalerJSON } from './data/scaler.js';
export { trainTestSplit } from './data/split.js';
export { parseCsv } from './data/csv.js';
export { parquetDataset } from './data/parquet.js';
export { arrowDataset } from './data/arrow.js';
export type { ArrowDataset, ArrowDatasetOptions, ArrowSource, ArrowRecordBatch, ArrowTable } from './data/arrow.js';
export type { ColumnarOptions } from './data/columnar.js';
export type { ParquetDataset, ParquetDatasetOptions, ParquetSource } from './data/parquet.js';
export type { CsvOptions, CsvRows, CsvTable } from './data/csv.js';
export { toTfjsLayers, fromTfjsLayers } from './formats/tfjs-format.js';
export { toOnnx, ONNX_OPSET } from './formats/onnx.js';
export type { TfjsArtifacts, TfjsModelJSON, TfjsWeightSpec, FromTfjsOptions, TfjsGradwasmMetadata } from './formats/tfjs-format.js';
export type { Split, SplitOptions } from './data/split.js';
export { trainInWorker } from './worker/host.js';
export type { TrainInWorkerOptions, TrainingJob, TrainingResult, WorkerFitOptions } from './worker/host.js';
export { serveTraining } from './worker/serve.js';
export type { TrainingPort } from './worker/serve.js';
export { setMemoryLimit } from './backend/wasm/arena.js';
// The chain rule made visible (also `gradwasm/explain`, which adds model.graph()); a bundle that
// does not use them leaves them out.
export { graph, toDot, toMermaid } from './explain/graph.js';
export type { ModelGraph, GraphNode, GraphEdge, GraphOp, Dim } from './explain/graph.js';
export { explain } from './explain/trace.js';
export type { Trace, ExplainOptions } from './explain/trace.js';
export { formatTrace } from './explain/format.js';
