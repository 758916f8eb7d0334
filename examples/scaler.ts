// z-scoring of feature columns: fitted on the training rows, saved beside the model
// (models/breast-cancer.scaler.json), and applied with the same float arithmetic wherever the
// model is used — `npm start`, the demo page, the browser test — so every input float32 matches.

/** A saved scaler: per-column mean and (population) standard deviation of the training rows. */
export interface ScalerJSON {
  format: 'gradwasm-scaler';
  version: 1;
  /** Column names, in order (the CSV header without the label). */
  features: string[];
  mean: number[];
  std: number[];
}

/** Means and standard deviations of each of `cols` columns of row-major float32 data (a constant column gets std 1). */
export function fitScaler(data: Float32Array, cols: number, features: readonly string[]): ScalerJSON {
  const rows = data.length / cols;
  const mean: number[] = [];
  const std: number[] = [];
  for (let c = 0; c < cols; c++) {
    let m = 0;
    for (let r = 0; r < rows; r++) m += data[r * cols + c]!;
    m /= rows;
    let variance = 0;
    for (let r = 0; r < rows; r++) variance += (data[r * cols + c]! - m) ** 2;
    mean.push(m);
    std.push(Math.sqrt(variance / rows) || 1);
  }
  return { format: 'gradwasm-scaler', version: 1, features: [...features], mean, std };
}

/** z-score row-major float32 data in place: (x − mean) / std per column, rounded to float32. */
export function applyScaler(scaler: ScalerJSON, data: Float32Array): Float32Array {
  const cols = scaler.mean.length;
  for (let i = 0; i < data.length; i++) data[i] = (data[i]! - scaler.mean[i % cols]!) / scaler.std[i % cols]!;
  return data;
}

/** Check that `value` is a scaler for `cols` columns; returns it, or a message saying what is wrong. */
export function checkScaler(value: unknown, cols: number): ScalerJSON | string {
  const s = value as Partial<ScalerJSON> | null;
  if (typeof s !== 'object' || s === null || s.format !== 'gradwasm-scaler') return 'not a gradwasm scaler file (format must be "gradwasm-scaler")';
  const numbers = (a: unknown): a is number[] => Array.isArray(a) && a.length === cols && a.every((v) => typeof v === 'number' && Number.isFinite(v));
  if (!numbers(s.mean) || !numbers(s.std)) return `mean and std must each hold ${cols} finite numbers, one per model input`;
  if (s.std.some((v) => v === 0)) return 'std must not contain 0';
  return { format: 'gradwasm-scaler', version: 1, features: Array.isArray(s.features) ? s.features.map(String) : [], mean: s.mean, std: s.std };
}
