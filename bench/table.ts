// Lays out the benchmark's report tables as aligned plain-text columns.

/** The first row is the header; every column is as wide as its widest cell. */
export function alignColumns(rows: readonly (readonly string[])[]): string {
  const columns = Math.max(...rows.map((cells) => cells.length));
  const widths = Array.from({ length: columns }, (_, i) => Math.max(...rows.map((cells) => (cells[i] ?? '').length)));
  return rows.map((cells) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n');
}
