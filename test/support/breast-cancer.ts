import { readFileSync } from 'node:fs';

/** The bundled Wisconsin table, every column z-scored (population std), as float64 rows. */
export function zScoredBreastCancer(): { x: number[][]; y: number[] } {
  const [, ...lines] = readFileSync(new URL('../../data/breast_cancer.csv', import.meta.url), 'utf8')
    .trim()
    .split(/\r?\n/);
  const rows = lines.map((l) => l.split(',').map(Number));
  const x = rows.map((r) => r.slice(0, -1));
  const y = rows.map((r) => r.at(-1)!);
  const cols = x[0]!.length;
  for (let c = 0; c < cols; c++) {
    const mean = x.reduce((s, r) => s + r[c]!, 0) / x.length;
    const std = Math.sqrt(x.reduce((s, r) => s + (r[c]! - mean) ** 2, 0) / x.length);
    for (const r of x) r[c] = (r[c]! - mean) / std;
  }
  return { x, y };
}
