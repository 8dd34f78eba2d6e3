// The ordered DDL that both a restore and a .sql export run: tables, deferred indexes and foreign keys, sequences, and stored programs under the session settings they were created with.

import type { DumpSchema, DumpTable, DumpTrigger, ProgramContext } from './dump-format.ts';
import { quoteIdent, quoteString } from './sql-text.ts';
import { deferredStatements, foreignKeyStatement } from './table-definition.ts';

/** The session a restore or an export runs in; programs temporarily change it and put it back. */
export const baseSession = [
  'SET NAMES utf8mb4',
  "SET SESSION time_zone = '+00:00'",
  "SET SESSION sql_mode = 'NO_AUTO_VALUE_ON_ZERO'",
  'SET SESSION foreign_key_checks = 0',
  'SET SESSION unique_checks = 0',
] as const;

const resetSession = ["SET SESSION sql_mode = 'NO_AUTO_VALUE_ON_ZERO'", 'SET NAMES utf8mb4', "SET SESSION time_zone = '+00:00'"];

export interface SqlStep {
  /** What the step creates, for progress and error messages ("view `a`"). */
  readonly what: string;
  readonly statements: readonly string[];
  /** Index in `statements` of a CREATE whose body may contain `;` (a .sql file wraps it in DELIMITER). */
  readonly compoundAt?: number;
  /** For a CREATE with a DEFINER clause: the same statement without it, tried when the server refuses the definer. */
  readonly withoutDefiner?: string;
}

export function createTableSteps(tables: readonly DumpTable[]): SqlStep[] {
  return tables.map((t) => ({ what: `table ${quoteIdent(t.name)}`, statements: [t.create] }));
}

export function indexSteps(tables: readonly DumpTable[]): SqlStep[] {
  return tables.flatMap((t) => {
    const statements = deferredStatements(t.name, t);
    return statements.length === 0 ? [] : [{ what: `indexes of table ${quoteIdent(t.name)}`, statements }];
  });
}

export function foreignKeySteps(tables: readonly DumpTable[]): SqlStep[] {
  return tables.flatMap((t) => {
    const sql = foreignKeyStatement(t.name, t.foreignKeys);
    return sql === undefined ? [] : [{ what: `foreign keys of table ${quoteIdent(t.name)}`, statements: [sql] }];
  });
}

export function sequenceSteps(schema: Pick<DumpSchema, 'sequences'>): SqlStep[] {
  return schema.sequences.map((s) => ({
    what: `sequence ${quoteIdent(s.name)}`,
    // SETVAL with is_used = 0 makes the next NEXTVAL return exactly the value the source would have handed out.
    statements: [s.create, `SELECT SETVAL(${quoteIdent(s.name)}, ${s.nextValue}, 0)`],
  }));
}

const definerClause = /^(\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:ALGORITHM\s*=\s*\w+\s+)?)DEFINER\s*=\s*(?:`(?:[^`]|``)*`|'(?:[^']|'')*'|[^\s@]+)(?:@(?:`(?:[^`]|``)*`|'(?:[^']|'')*'|[^\s]+))?\s+/i;

export function stripDefiner(create: string): string | undefined {
  return definerClause.test(create) ? create.replace(definerClause, '$1') : undefined;
}

function contextStatements(c: ProgramContext): string[] {
  return [
    `SET SESSION sql_mode = ${quoteString(c.sqlMode)}`,
    `SET SESSION character_set_client = ${c.characterSetClient}`,
    `SET SESSION collation_connection = ${c.collationConnection}`,
  ];
}

/**
 * Runs a stored program's CREATE in the session it was created in. When its database collation differs from the
 * database's (the database was altered after the program was made), the database is switched for the moment, as
 * mysqldump does, because programs remember it.
 */
function programStep(what: string, create: string, context: ProgramContext, dbCollation: string, dbName: string | undefined, extra: readonly string[] = []): SqlStep {
  const db = dbName === undefined ? '' : ` ${quoteIdent(dbName)}`;
  const switchDb = context.databaseCollation !== undefined && context.databaseCollation !== '' && context.databaseCollation !== dbCollation;
  const before = [...contextStatements(context), ...extra, ...(switchDb ? [`ALTER DATABASE${db} COLLATE ${context.databaseCollation ?? ''}`] : [])];
  const after = [...(switchDb ? [`ALTER DATABASE${db} COLLATE ${dbCollation}`] : []), ...resetSession];
  const withoutDefiner = stripDefiner(create);
  const step: SqlStep = { what, statements: [...before, create, ...after], compoundAt: before.length };
  return withoutDefiner === undefined ? step : { ...step, withoutDefiner };
}

export interface ProgramOptions {
  /** Restore or export only these tables' triggers; views, routines and events belong to full restores. */
  readonly tables?: ReadonlySet<string>;
  /** Name used in ALTER DATABASE when a program needs the database collation switched; undefined = current database. */
  readonly database?: string;
}

/** Steps that create triggers as they were, for putting back triggers a data-only restore set aside. */
export function triggerSteps(triggers: readonly DumpTrigger[], dbCollation: string, database: string): SqlStep[] {
  return triggers.map((t) => programStep(`trigger ${quoteIdent(t.name)}`, t.create, t, dbCollation, database));
}

/** Routines, then views (in dependency order), then triggers and events: each can refer to what comes before it. */
export function programSteps(schema: DumpSchema, opts: ProgramOptions = {}): SqlStep[] {
  const dbCollation = schema.database.collation;
  const full = opts.tables === undefined;
  const steps: SqlStep[] = [];
  if (full) {
    for (const r of schema.routines) steps.push(programStep(`${r.type.toLowerCase()} ${quoteIdent(r.name)}`, r.create, r, dbCollation, opts.database));
    if (schema.viewsNeedPlaceholders) {
      // A stand-in with the right column names lets every view be created in any order, then replaced.
      for (const v of schema.views) {
        const cols = v.columns.length === 0 ? '1 AS `_`' : v.columns.map((c) => `1 AS ${quoteIdent(c)}`).join(', ');
        steps.push({ what: `placeholder for view ${quoteIdent(v.name)}`, statements: [`CREATE VIEW ${quoteIdent(v.name)} AS SELECT ${cols}`] });
      }
    }
    for (const v of schema.views) {
      const create = schema.viewsNeedPlaceholders ? v.create.replace(/^\s*CREATE\s+/i, 'CREATE OR REPLACE ') : v.create;
      const context: ProgramContext = { sqlMode: 'NO_AUTO_VALUE_ON_ZERO', characterSetClient: v.characterSetClient, collationConnection: v.collationConnection };
      steps.push(programStep(`view ${quoteIdent(v.name)}`, create, context, dbCollation, opts.database));
    }
  }
  for (const t of schema.triggers) {
    if (opts.tables !== undefined && !opts.tables.has(t.table)) continue;
    steps.push(programStep(`trigger ${quoteIdent(t.name)}`, t.create, t, dbCollation, opts.database));
  }
  if (full) {
    for (const e of schema.events) {
      steps.push(programStep(`event ${quoteIdent(e.name)}`, e.create, e, dbCollation, opts.database, [`SET SESSION time_zone = ${quoteString(e.timeZone)}`]));
    }
  }
  return steps;
}
