// SQLite SQL text for identifiers and values, exact for every storage class so that loading the text gives the same bytes back.

/** A value as better-sqlite3 returns it with safe integers on: INTEGER as bigint, REAL as number. */
export type SqliteValue = null | bigint | number | string | Uint8Array;

export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export function sqlLiteral(value: SqliteValue): string {
  if (value === null) return 'NULL';
  switch (typeof value) {
    case 'bigint':
      return value.toString();
    case 'number':
      return realLiteral(value);
    case 'string':
      return textLiteral(value);
    default:
      return `X'${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}'`;
  }
}

/**
 * A literal that SQLite reads back as the same REAL: the shortest round-trip decimal, always with a
 * '.' or an exponent so that 3.0 does not come back as the INTEGER 3.
 */
function realLiteral(value: number): string {
  // SQLite stores NaN as NULL, so a NaN cannot come out of a database; keep the mapping total anyway.
  if (Number.isNaN(value)) return 'NULL';
  // 1e999 overflows to infinity in SQLite's parser, which is how its own shell writes infinities.
  if (value === Infinity) return '1e999';
  if (value === -Infinity) return '-1e999';
  if (Object.is(value, -0)) return '-0.0';
  const text = String(value);
  return /[.e]/.test(text) ? text : `${text}.0`;
}

/**
 * A quoted string. A NUL cannot appear inside a SQL string token (the tokenizer stops there), and the sqlite3
 * shell drops a carriage return at the end of an input line, so both are spliced in with char(), which keeps the
 * value TEXT and its full length.
 */
function textLiteral(value: string): string {
  const quoted = `'${value.replaceAll("'", "''")}'`;
  if (!/[\0\r]/.test(value)) return quoted;
  return `(${quoted.replace(/[\0\r]/g, (c) => `'||char(${c.charCodeAt(0)})||'`)})`;
}
