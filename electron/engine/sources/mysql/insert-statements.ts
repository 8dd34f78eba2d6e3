// Turns rows of a data stream into multi-row INSERT statements of about 1 MB, for the .sql export and for servers that refuse LOAD DATA LOCAL.

import { isUtf8 } from 'node:buffer';
import type { DumpColumn } from './dump-format.ts';
import { hexLiteral, quoteIdent, quoteString } from './sql-text.ts';

const numberPattern = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/** One value as SQL: bare numbers, quoted UTF-8 text, and X'…' for bytes in any other character set. */
export function sqlLiteral(value: Buffer | null, column: DumpColumn): string {
  if (value === null) return 'NULL';
  switch (column.literal) {
    case 'number': {
      const text = value.toString('latin1');
      // A number field that is not a number can only come from a damaged or tampered dump; never paste it raw.
      return numberPattern.test(text) ? text : quoteString(text);
    }
    case 'text':
      return isUtf8(value) ? quoteString(value.toString('utf8')) : hexLiteral(value);
    case 'hex':
      return hexLiteral(value);
  }
}

/** Collects rows into INSERT statements no bigger than about `maxBytes` (one row may exceed it on its own). */
export class InsertBatcher {
  private readonly head: string;
  private readonly columns: readonly DumpColumn[];
  private readonly maxBytes: number;
  private parts: string[] = [];
  private size = 0;

  constructor(table: string, columns: readonly DumpColumn[], maxBytes = 1 << 20) {
    this.columns = columns;
    this.maxBytes = maxBytes;
    this.head = `INSERT INTO ${quoteIdent(table)} (${columns.map((c) => quoteIdent(c.name)).join(',')}) VALUES `;
  }

  /** Adds a row; returns a finished statement when the batch is full. */
  add(fields: readonly (Buffer | null)[]): string | undefined {
    if (fields.length !== this.columns.length) {
      throw new Error(`a row has ${fields.length} fields where the table has ${this.columns.length} columns`);
    }
    const tuple = '(' + fields.map((f, i) => sqlLiteral(f, this.columns[i] as DumpColumn)).join(',') + ')';
    let done: string | undefined;
    if (this.parts.length > 0 && this.size + tuple.length > this.maxBytes) done = this.flush();
    this.parts.push(tuple);
    this.size += tuple.length + 1;
    return done;
  }

  /** The statement for the rows collected so far, if any. */
  flush(): string | undefined {
    if (this.parts.length === 0) return undefined;
    const sql = this.head + this.parts.join(',');
    this.parts = [];
    this.size = 0;
    return sql;
  }
}
