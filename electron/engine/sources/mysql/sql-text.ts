// Quoting for MySQL/MariaDB SQL text: identifiers, string literals and hex literals, as the server parses them under sql_mode without ANSI_QUOTES.

/** `name` with backquotes doubled; safe for any identifier, including ones with spaces, quotes or unicode. */
export function quoteIdent(name: string): string {
  return '`' + name.replaceAll('`', '``') + '`';
}

const stringEscapes = new Map<number, string>([
  [0x00, '\\0'],
  [0x0a, '\\n'],
  [0x0d, '\\r'],
  [0x1a, '\\Z'],
  [0x27, "\\'"],
  [0x5c, '\\\\'],
]);

/** A single-quoted literal with the escapes mysqldump uses, so the text survives both the server and the `mariadb` client. */
export function quoteString(text: string): string {
  let out = "'";
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const escaped = stringEscapes.get(text.charCodeAt(i));
    if (escaped === undefined) continue;
    out += text.slice(from, i) + escaped;
    from = i + 1;
  }
  return out + text.slice(from) + "'";
}

/** Writes bytes as an X'…' literal: a binary string the server assigns to any column type byte for byte. */
export function hexLiteral(bytes: Uint8Array): string {
  return "X'" + Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex') + "'";
}

/** Picks a client DELIMITER that does not occur in any of the statements, for routines and triggers in a .sql file. */
export function pickDelimiter(statements: readonly string[]): string {
  for (const candidate of [';;', '$$', '//', ';;;', '$$$', '@@@@']) {
    if (statements.every((s) => !s.includes(candidate))) return candidate;
  }
  let d = '$$';
  while (statements.some((s) => s.includes(d))) d += '$';
  return d;
}
