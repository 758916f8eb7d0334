// The benchmark's small tables, as Markdown (BENCHMARKS.md) or as plain columns (the console).

/** One table: a header row, a Markdown alignment rule ('| :-- | --: |'), its rows. */
export function tableLines(headers: readonly string[], rows: readonly string[][], rule: string, markdown: boolean): string[] {
  if (markdown) return [`| ${headers.join(' | ')} |`, rule, ...rows.map((r) => `| ${r.join(' | ')} |`)];
  const widths = headers.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  return [headers, ...rows].map((r) => r.map((cell, c) => cell.padEnd(widths[c]!)).join('  '));
}

/** Tables one after another, a blank line between; a table without rows is left out. */
export function tablesLines(tables: readonly [headers: string[], rows: string[][], rule: string][], markdown: boolean): string[] {
  const out: string[] = [];
  for (const [headers, rows, rule] of tables) {
    if (rows.length === 0) continue;
    if (out.length) out.push('');
    out.push(...tableLines(headers, rows, rule, markdown));
  }
  return out;
}
