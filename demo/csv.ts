// Rows pasted or uploaded as CSV, for the inference panel: numbers separated by commas (or
// semicolons or tabs), one row per line, an optional header line, an optional last 0/1 label.

export interface ParsedRows {
  /** The features as float32, row-major: rows × cols. */
  data: Float32Array;
  rows: number;
  cols: number;
  /** The label column, when the rows have one more value than the model has inputs. */
  labels: Float32Array | null;
  /** The header line's names, if the text began with one. */
  header: string[] | null;
}

/** Parse CSV text for a model of `inputs` inputs; returns the rows, or a message naming the line at fault. */
export function parseRows(text: string, inputs: number): ParsedRows | string {
  const lines = text.split(/\r?\n/).map((line, i) => ({ line: line.trim(), number: i + 1 })).filter((l) => l.line !== '');
  if (lines.length === 0) return 'There are no rows: paste or upload some CSV first.';
  const split = (line: string): string[] => line.split(/[,;\t]/).map((v) => v.trim());
  const isNumber = (v: string): boolean => v !== '' && Number.isFinite(Number(v));
  let header: string[] | null = null;
  if (!split(lines[0]!.line).every(isNumber)) header = split(lines.shift()!.line);
  if (lines.length === 0) return 'There is a header line but no rows under it.';
  const width = split(lines[0]!.line).length;
  if (width !== inputs && width !== inputs + 1) {
    return `Line ${lines[0]!.number} has ${width} values; the model takes ${inputs} features per row (optionally followed by a 0/1 label).`;
  }
  const hasLabels = width === inputs + 1;
  const data = new Float32Array(lines.length * inputs);
  const labels = hasLabels ? new Float32Array(lines.length) : null;
  for (let r = 0; r < lines.length; r++) {
    const { line, number } = lines[r]!;
    const values = split(line);
    if (values.length !== width) return `Line ${number} has ${values.length} values, but line ${lines[0]!.number} has ${width}.`;
    for (let c = 0; c < width; c++) {
      if (!isNumber(values[c]!)) return `Line ${number}, column ${c + 1}: ${JSON.stringify(values[c])} is not a number.`;
      const v = Number(values[c]);
      if (c < inputs) data[r * inputs + c] = v;
      else if (v !== 0 && v !== 1) return `Line ${number}: the label (last column) is ${values[c]}; labels must be 0 or 1.`;
      else labels![r] = v;
    }
  }
  return { data, rows: lines.length, cols: inputs, labels, header };
}
