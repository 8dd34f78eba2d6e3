// Splits SHOW CREATE TABLE into what must exist before the data (columns, primary key, checks, options, partitions) and what is faster to add after it (secondary indexes, foreign keys).

import { quoteIdent } from './sql-text.ts';

export interface SplitTable {
  /** CREATE TABLE with the deferred parts removed. */
  readonly create: string;
  /** `ADD …` clauses for secondary indexes, applied in one ALTER TABLE after the data. */
  readonly indexes: readonly string[];
  /** `ADD FULLTEXT KEY …` clauses; InnoDB builds one FULLTEXT index per ALTER TABLE. */
  readonly fulltext: readonly string[];
  /** `ADD CONSTRAINT … FOREIGN KEY …` clauses, applied last. */
  readonly foreignKeys: readonly string[];
  /** Tables the foreign keys point to, as written: [database or undefined, table]. */
  readonly references: readonly (readonly [string | undefined, string])[];
}

/** Index of the character after a quoted run that starts at `i` (quote char at s[i]); doubled quotes and backslash escapes stay inside. */
function skipQuoted(s: string, i: number): number {
  const q = s[i];
  let j = i + 1;
  while (j < s.length) {
    const c = s[j];
    if (c === '\\' && q !== '`') {
      j += 2;
      continue;
    }
    if (c === q) {
      if (s[j + 1] === q) {
        j += 2;
        continue;
      }
      return j + 1;
    }
    j++;
  }
  throw new Error('unterminated quote in table definition');
}

/** Splits `body` on commas that are outside quotes and parentheses. */
export function splitTopLevel(body: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let start = 0;
  let i = 0;
  while (i < body.length) {
    const c = body[i];
    if (c === "'" || c === '"' || c === '`') {
      i = skipQuoted(body, i);
      continue;
    }
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      items.push(body.slice(start, i).trim());
      start = i + 1;
    }
    i++;
  }
  const last = body.slice(start).trim();
  if (last !== '') items.push(last);
  return items;
}

/** Finds the parenthesised column list of a CREATE TABLE: [index of "(", index of the matching ")"]. */
function bodyBounds(sql: string): [number, number] {
  let i = sql.search(/\bTABLE\s/i);
  if (i < 0) throw new Error('not a CREATE TABLE statement');
  while (i < sql.length && sql[i] !== '(') {
    const c = sql[i];
    if (c === '`' || c === '"' || c === "'") i = skipQuoted(sql, i);
    else i++;
  }
  const open = i;
  let depth = 0;
  while (i < sql.length) {
    const c = sql[i];
    if (c === "'" || c === '"' || c === '`') {
      i = skipQuoted(sql, i);
      continue;
    }
    if (c === '(') depth++;
    else if (c === ')') {
      depth--;
      if (depth === 0) return [open, i];
    }
    i++;
  }
  throw new Error('unbalanced parentheses in table definition');
}

const identifier = '`((?:[^`]|``)*)`';
const unquote = (s: string): string => s.replaceAll('``', '`');

/** The first column of a key clause such as "UNIQUE KEY `u` (`a`,`b`)". */
function firstKeyColumn(item: string): string | undefined {
  const m = new RegExp(`\\(\\s*${identifier}`).exec(item);
  return m?.[1] === undefined ? undefined : unquote(m[1]);
}

type ItemKind = 'column' | 'primary' | 'unique' | 'key' | 'fulltext' | 'foreign' | 'other';

function classify(item: string): ItemKind {
  if (item.startsWith('`')) return 'column';
  if (/^PRIMARY\s+KEY\b/i.test(item)) return 'primary';
  if (/^UNIQUE\s+(KEY|INDEX)\b/i.test(item)) return 'unique';
  if (/^FULLTEXT\s+(KEY|INDEX)\b/i.test(item)) return 'fulltext';
  if (/^(SPATIAL\s+|VECTOR\s+)?(KEY|INDEX)\b/i.test(item)) return 'key';
  if (new RegExp(`^CONSTRAINT\\s+${identifier}\\s+FOREIGN\\s+KEY\\b`, 'i').test(item) || /^FOREIGN\s+KEY\b/i.test(item)) return 'foreign';
  return 'other';
}

function referencedTable(item: string): [string | undefined, string] | undefined {
  const m = new RegExp(`\\bREFERENCES\\s+${identifier}(?:\\.${identifier})?`, 'i').exec(item);
  if (!m?.[1]) return undefined;
  return m[2] === undefined ? [undefined, unquote(m[1])] : [unquote(m[1]), unquote(m[2])];
}

/**
 * Splits a table definition. `autoIncrementColumn` must stay indexed in the CREATE (the server refuses an
 * AUTO_INCREMENT column without a key), and a table without a primary key keeps its unique keys, because InnoDB
 * clusters such a table on its first unique NOT NULL key and adding that key later would rebuild the table.
 */
export function splitCreateTable(sql: string, autoIncrementColumn?: string): SplitTable {
  const [open, close] = bodyBounds(sql);
  const items = splitTopLevel(sql.slice(open + 1, close));
  const kinds = items.map(classify);
  const hasPrimary = kinds.includes('primary');
  const primaryFirst = items.find((_, i) => kinds[i] === 'primary');
  const autoIncNeedsKey = autoIncrementColumn !== undefined && (primaryFirst === undefined || firstKeyColumn(primaryFirst) !== autoIncrementColumn);
  let autoIncKeyKept = false;

  const kept: string[] = [];
  const indexes: string[] = [];
  const fulltext: string[] = [];
  const foreignKeys: string[] = [];
  const references: [string | undefined, string][] = [];
  items.forEach((item, i) => {
    const kind = kinds[i];
    const keepForAutoInc = autoIncNeedsKey && !autoIncKeyKept && (kind === 'unique' || kind === 'key') && firstKeyColumn(item) === autoIncrementColumn;
    if (keepForAutoInc) autoIncKeyKept = true;
    if (keepForAutoInc || (kind === 'unique' && !hasPrimary)) {
      kept.push(item);
      return;
    }
    switch (kind) {
      case 'unique':
      case 'key':
        indexes.push(`ADD ${item}`);
        return;
      case 'fulltext':
        fulltext.push(`ADD ${item}`);
        return;
      case 'foreign': {
        foreignKeys.push(`ADD ${item}`);
        const ref = referencedTable(item);
        if (ref) references.push(ref);
        return;
      }
      default:
        kept.push(item);
    }
  });
  const create = `${sql.slice(0, open)}(\n  ${kept.join(',\n  ')}\n${sql.slice(close)}`;
  return { create, indexes, fulltext, foreignKeys, references };
}

/** The ALTER TABLE statements that add the deferred parts, in the order they must run (indexes, then foreign keys). */
export function deferredStatements(table: string, split: Pick<SplitTable, 'indexes' | 'fulltext'>): string[] {
  const out: string[] = [];
  if (split.indexes.length > 0) out.push(`ALTER TABLE ${quoteIdent(table)} ${split.indexes.join(', ')}`);
  for (const ft of split.fulltext) out.push(`ALTER TABLE ${quoteIdent(table)} ${ft}`);
  return out;
}

export function foreignKeyStatement(table: string, foreignKeys: readonly string[]): string | undefined {
  return foreignKeys.length === 0 ? undefined : `ALTER TABLE ${quoteIdent(table)} ${foreignKeys.join(', ')}`;
}

/** The definition without its AUTO_INCREMENT counter: what must not change while a dump runs. */
export function definitionFingerprint(sql: string): string {
  const [, close] = bodyBounds(sql);
  return sql.slice(0, close) + sql.slice(close).replace(/ AUTO_INCREMENT=\d+/, '');
}
