// `gradwasm explain`: the chain rule step by step — the article's one neuron (x = 3, w = 3),
// or a saved model on one row of a table file (CSV, Parquet, Arrow), streamed to that row.
import { articleTrace, explain as trace, formatTrace } from '../explain/index.js';
import { OptionError } from '../core/errors.js';
import type { BackendName } from '../backend/backend.js';
import { loadModel } from './files.js';
import { labelledSource, rowOf } from './columns.js';

export async function explainCommand(
  modelPath: string | undefined,
  csv: string | undefined,
  o: { row: number; label?: string; delimiter: string; backend: BackendName },
  print: (line: string) => void,
): Promise<void> {
  if (modelPath === undefined) {
    for (const y of [1, 0] as const) {
      print(`The article's neuron: z = b + w·x with w = 3, b = 0, at x = 3, y = ${y}\n`);
      print(formatTrace(await articleTrace(y, o.backend)));
      print('');
    }
    return;
  }
  if (csv === undefined)
    throw new OptionError('csv', 'explain with a model needs a CSV file to take the row from: gradwasm explain model.json data.csv --row 1');
  const model = await loadModel(modelPath, o.backend);
  try {
    const { rows } = await labelledSource({ model, modelPath, csv, label: o.label, delimiter: o.delimiter }, print);
    const found = await rowOf(rows, o.row);
    if ('rows' in found) throw new OptionError('--row', `--row ${o.row} is past the last row of ${csv} (${found.rows} rows)`);
    print(`${modelPath} on row ${o.row} of ${csv} (label ${found.y})\n`);
    print(formatTrace(trace(model, found.x, found.y)));
  } finally {
    model.dispose();
  }
}
