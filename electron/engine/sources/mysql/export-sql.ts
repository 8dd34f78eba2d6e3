// Writes a MySQL/MariaDB dump as one plain .sql file that the `mysql`/`mariadb` client loads into an empty database with the same result as a restore.

import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { AirlockError, describeIoError } from '../../errors.ts';
import type { DumpReader } from '../dump-streams.ts';
import { missingParentWarnings, openDump, selectTables } from './dump-format.ts';
import { InsertBatcher } from './insert-statements.ts';
import { decodeLine, readLines } from './row-format.ts';
import { baseSession, createTableSteps, foreignKeySteps, indexSteps, programSteps, sequenceSteps, type SqlStep } from './schema-statements.ts';
import { pickDelimiter, quoteIdent, quoteString } from './sql-text.ts';

export interface MysqlExportOptions {
  /** Export only these tables (and their triggers). */
  readonly tables?: readonly string[];
  /** Create this database (if missing) and USE it; otherwise the file loads into the client's current database. */
  readonly database?: string;
  readonly signal?: AbortSignal;
}

export interface MysqlExportSummary {
  readonly tables: number;
  readonly rows: number;
  readonly warnings: readonly string[];
}

async function write(out: Writable, text: string): Promise<void> {
  if (!out.write(text)) {
    await once(out, 'drain');
  }
}

/** A step as client input: plain statements end in `;`, a compound CREATE gets a DELIMITER that its body does not contain. */
function stepText(step: SqlStep): string {
  const lines: string[] = [];
  step.statements.forEach((sql, i) => {
    if (i === step.compoundAt) {
      const d = pickDelimiter([sql]);
      lines.push(`DELIMITER ${d}`, `${sql}${d}`, 'DELIMITER ;');
    } else {
      lines.push(`${sql};`);
    }
  });
  return lines.join('\n') + '\n';
}

export async function exportMysqlSql(reader: DumpReader, out: Writable, opts: MysqlExportOptions = {}): Promise<MysqlExportSummary> {
  const { manifest, schema } = await openDump(reader);
  const selected = selectTables(schema, opts.tables);
  const full = opts.tables === undefined;
  const warnings = full ? [] : missingParentWarnings(selected);
  const manifestOf = new Map(manifest.tables.map((t) => [t.name, t]));
  let rows = 0;
  try {
    const header = [
      `-- Airlock export of MySQL/MariaDB database ${quoteIdent(manifest.database)} (server ${manifest.server.version})`,
      '-- Load it into an empty database: mariadb NEWDB < this-file.sql',
      ...warnings.map((w) => `-- Warning: ${w}`),
      '',
      ...baseSession.map((s) => `${s};`),
      // Executable comments: MariaDB runs these, MySQL skips them.
      '/*M!100201 SET SESSION check_constraint_checks = 0 */;',
    ];
    if (opts.database !== undefined) {
      header.push(`CREATE DATABASE IF NOT EXISTS ${quoteIdent(opts.database)} CHARACTER SET ${schema.database.charset} COLLATE ${schema.database.collation};`, `USE ${quoteIdent(opts.database)};`);
    } else if (full) {
      // Stored programs remember the database collation; setting it keeps them identical to a restore's.
      header.push(`ALTER DATABASE CHARACTER SET ${schema.database.charset} COLLATE ${schema.database.collation};`);
    }
    if (full && schema.database.comment !== '') {
      header.push(`/*M!100500 ALTER DATABASE${opts.database === undefined ? '' : ` ${quoteIdent(opts.database)}`} COMMENT ${quoteString(schema.database.comment)} */;`);
    }
    await write(out, header.join('\n') + '\n\n');

    for (const step of createTableSteps(selected)) await write(out, `-- ${step.what}\n${stepText(step)}\n`);
    if (full) for (const step of sequenceSteps(schema)) await write(out, stepText(step));

    for (const t of selected) {
      opts.signal?.throwIfAborted();
      const m = manifestOf.get(t.name);
      if (!m || t.columns.length === 0) continue;
      await write(out, `-- rows of table ${quoteIdent(t.name)}\n`);
      const batcher = new InsertBatcher(t.name, t.columns);
      let count = 0;
      for await (const line of readLines(reader.open(m.stream) as AsyncIterable<Buffer>)) {
        count++;
        const sql = batcher.add(decodeLine(line));
        if (sql !== undefined) await write(out, `${sql};\n`);
      }
      const last = batcher.flush();
      if (last !== undefined) await write(out, `${last};\n`);
      if (count !== m.rows) throw new AirlockError('CORRUPT_DATA', `The data of table "${t.name}" holds ${count} rows where the dump recorded ${m.rows}.`);
      rows += count;
    }

    for (const step of indexSteps(selected)) await write(out, stepText(step));
    for (const step of foreignKeySteps(selected)) await write(out, stepText(step));
    const tableSet = full ? undefined : new Set(selected.map((t) => t.name));
    const programs = programSteps(schema, tableSet === undefined ? (opts.database === undefined ? {} : { database: opts.database }) : { tables: tableSet });
    if (programs.length > 0) await write(out, '\n');
    for (const step of programs) await write(out, `-- ${step.what}\n${stepText(step)}`);
    await write(out, '\nSET SESSION foreign_key_checks = 1;\nSET SESSION unique_checks = 1;\n');
  } catch (err) {
    if (err instanceof AirlockError) throw err;
    if (opts.signal?.aborted) throw new AirlockError('CANCELLED', 'The export was cancelled; the .sql file is incomplete.', { cause: err });
    const io = describeIoError(err, 'writing the .sql export');
    throw io instanceof AirlockError ? io : new AirlockError('CORRUPT_DATA', `The export stopped: ${(err as Error).message}.`, { cause: err });
  }
  return { tables: selected.length, rows, warnings };
}
