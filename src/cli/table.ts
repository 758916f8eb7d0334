// Plain text tables for the terminal: columns padded to their widest cell; a column whose
// cells all look like numbers is right-aligned.

const NUMERIC = /^[-+]?[\d,]*\.?\d+(e[-+]?\d+)?$|^NaN$/;

export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((row) => row[i]!.length)));
  const right = header.map((_, i) => rows.every((row) => NUMERIC.test(row[i]!)));
  const line = (row: readonly string[]) =>
    row
      .map((c, i) => (right[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
