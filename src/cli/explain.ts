// `gradwasm explain`: the chain rule step by step — the article's one neuron (x = 3, w = 3),
// or a saved model on one row of a CSV file.
import { articleTrace, explain as trace, formatTrace } from '../explain/index.js';
import { OptionError } from '../core/errors.js';
import type { BackendName } from '../backend/backend.js';
import { loadModel } from './files.js';
import { labelledRows } from './columns.js';

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
    const table = await labelledRows({ model, modelPath, csv, label: o.label, delimiter: o.delimiter }, print);
    if (o.row > table.x.rows) throw new OptionError('--row', `--row ${o.row} is past the last row of ${csv} (${table.x.rows} rows)`);
    const r = o.row - 1;
    const row = Array.from(table.x.data.subarray(r * table.x.cols, (r + 1) * table.x.cols));
    print(`${modelPath} on row ${o.row} of ${csv} (label ${table.y[r]})\n`);
    print(formatTrace(trace(model, row, table.y[r]!)));
  } finally {
    model.dispose();
  }
}
