// Turns catalog rows into schema items (DDL, owner, privileges, dependencies) in an order a restore can replay.

import { columnAcl, defaultAcl, objectAcl, type AclEntry } from './acl.ts';
import type { Catalog, ColumnRow, ConstraintRow, IndexRow, RelationRow, SequenceRow, TypeRow } from './catalog.ts';
import { orderByDependencies } from './dependency-order.ts';
import type { ItemKind, SchemaItem, Section } from './dump-format.ts';
import { displayName, ident, literal, qualified, roleName } from './sql-text.ts';

/** A table whose rows go into the dump, in COPY column order. */
export interface TableSpec {
  readonly item: number;
  readonly oid: number;
  readonly schema: string;
  readonly name: string;
  readonly columns: readonly string[];
  readonly orderBy: readonly string[] | null;
  /** Type of the leading orderBy column (format_type), for range conditions. */
  readonly keyType: string | null;
  /** The planner's estimate (negative when never analyzed). */
  readonly estimatedRows: number;
  readonly pages: number;
}

/** A sequence whose current value goes into the dump. */
export interface SequenceSpec {
  readonly item: number;
  readonly schema: string;
  readonly name: string;
}

export interface BuiltSchema {
  readonly items: SchemaItem[];
  readonly tables: TableSpec[];
  readonly sequences: SequenceSpec[];
  readonly largeObjects: readonly number[];
  readonly warnings: string[];
}

/** Tie-break order among items whose dependencies are met (roughly pg_dump's). */
const priority: Record<ItemKind, number> = {
  SCHEMA: 10, EXTENSION: 20, COLLATION: 25, TYPE: 30, DOMAIN: 31, FUNCTION: 40, AGGREGATE: 41, SEQUENCE: 50, TABLE: 51, VIEW: 52,
  'MATERIALIZED VIEW': 53, 'TABLE ATTACH': 60, 'SEQUENCE OWNED BY': 61, DEFAULT: 62,
  CONSTRAINT: 100, INDEX: 110,
  'INDEX ATTACH': 120, 'CHECK CONSTRAINT': 121, 'DOMAIN CONSTRAINT': 122, 'FK CONSTRAINT': 130, STATISTICS: 135, RULE: 140,
  TRIGGER: 145, POLICY: 150, 'ROW SECURITY': 155, 'REFRESH MATERIALIZED VIEW': 160, 'LARGE OBJECT': 165, ACL: 170,
  'DEFAULT ACL': 180, 'EVENT TRIGGER': 190,
};

const sectionRank: Record<Section, number> = { 'pre-data': 0, 'table-bound': 1, late: 2 };

interface Draft {
  id: number;
  kind: ItemKind;
  section: Section;
  schema: string | null;
  name: string;
  relation: number | null;
  deps: Set<number>;
  sql: string[];
  owner: string | null;
  ownerSql: string | null;
  roles: Set<string>;
}

const storageNames: Record<string, string> = { p: 'PLAIN', e: 'EXTERNAL', m: 'MAIN', x: 'EXTENDED' };
const compressionNames: Record<string, string> = { p: 'pglz', l: 'lz4' };
const policyCommands: Record<string, string> = { r: 'SELECT', a: 'INSERT', w: 'UPDATE', d: 'DELETE', '*': 'ALL' };
const modifyNames: Record<string, string> = { r: 'READ_ONLY', s: 'SHAREABLE', w: 'READ_WRITE' };

/** "fillfactor=70" → "fillfactor='70'", as pg_dump writes reloptions. */
function withOptions(options: readonly string[] | null, skip: (name: string) => boolean = () => false): string {
  const parts = (options ?? []).flatMap((o) => {
    const eq = o.indexOf('=');
    const name = eq < 0 ? o : o.slice(0, eq);
    if (skip(name)) return [];
    return [eq < 0 ? name : `${name}=${literal(o.slice(eq + 1))}`];
  });
  return parts.length === 0 ? '' : ` WITH (${parts.join(', ')})`;
}

function stripSemicolon(def: string): string {
  return def.trim().replace(/;$/, '');
}

function sameAcl(a: readonly AclEntry[] | null, b: readonly AclEntry[] | null): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

class SchemaBuilder {
  readonly drafts: Draft[] = [];
  readonly warnings: string[] = [];
  private readonly owners = new Map<string, number>();
  private readonly comments = new Map<string, string>();
  private readonly arrayElem = new Map<number, number>();
  private readonly cat: Catalog;
  /** Objects the server created implicitly for another (range constructors, a key's index …), to the key of that other. */
  private readonly internalTo = new Map<string, string>();

  constructor(cat: Catalog) {
    this.cat = cat;
    for (const d of cat.depends) if (d.deptype === 'i') this.internalTo.set(`${d.cls}:${d.oid}`, `${d.refcls}:${d.refoid}`);
    for (const c of cat.comments) this.comments.set(`${c.cls}:${c.oid}:${c.sub}`, c.text);
    for (const a of cat.arrays) this.arrayElem.set(a.oid, a.elem);
  }

  add(kind: ItemKind, section: Section, schema: string | null, name: string, sql: string[], relation: number | null = null): Draft {
    const d: Draft = { id: this.drafts.length, kind, section, schema, name, relation, deps: new Set(), sql, owner: null, ownerSql: null, roles: new Set() };
    if (relation !== null) d.deps.add(relation);
    this.drafts.push(d);
    return d;
  }

  /** Records that a catalog object ("pg_class:1234") is created by this item. */
  own(cls: string, oid: number | null | undefined, item: Draft): void {
    if (oid !== null && oid !== undefined && oid !== 0) this.owners.set(`${cls}:${oid}`, item.id);
  }

  ownerOf(cls: string, oid: number, depth = 0): number | undefined {
    const key = `${cls}:${oid}`;
    const direct = this.owners.get(key);
    if (direct !== undefined) return direct;
    if (cls === 'pg_type') {
      const elem = this.arrayElem.get(oid);
      if (elem !== undefined) return this.owners.get(`pg_type:${elem}`);
    }
    const ext = this.cat.extensionMembers.get(key);
    if (ext !== undefined) return this.owners.get(`pg_extension:${ext}`);
    const parent = this.internalTo.get(key);
    if (parent === undefined || depth > 8) return undefined;
    const sep = parent.indexOf(':');
    return this.ownerOf(parent.slice(0, sep), Number(parent.slice(sep + 1)), depth + 1);
  }

  /** True for objects the server makes by itself as part of another one: dumping them would create them twice. */
  isImplicit(cls: string, oid: number): boolean {
    return this.internalTo.has(`${cls}:${oid}`);
  }

  isExtensionMember(cls: string, oid: number): boolean {
    return this.cat.extensionMembers.has(`${cls}:${oid}`);
  }

  comment(cls: string, oid: number, sub = 0): string | undefined {
    return this.comments.get(`${cls}:${oid}:${sub}`);
  }

  /** Appends COMMENT ON … to an item when the object has one. */
  addComment(d: Draft, cls: string, oid: number, target: string, sub = 0): void {
    const text = this.comment(cls, oid, sub);
    if (text !== undefined) d.sql.push(`COMMENT ON ${target} IS ${literal(text)};`);
  }

  setOwner(d: Draft, alterTarget: string, owner: string): void {
    d.owner = owner;
    d.ownerSql = `ALTER ${alterTarget} OWNER TO ${ident(owner)};`;
  }

  /**
   * One ACL item per grantee, so that a missing role on the target costs only its own grants. Each depends
   * on the one before: aclitem arrays keep the order grants were made in.
   */
  addAcl(object: Draft, display: string, statements: readonly { grantee: string | null; sql: string }[]): void {
    let previous: Draft | undefined;
    for (const [n, s] of statements.entries()) {
      if (s.sql === '') continue;
      const relation = object.relation ?? (object.kind === 'TABLE' || object.kind === 'VIEW' || object.kind === 'MATERIALIZED VIEW' || object.kind === 'SEQUENCE' ? object.id : null);
      const acl = this.add('ACL', 'late', object.schema, `${display} ${String(n).padStart(3, '0')} ${s.grantee ?? 'PUBLIC'}`, [s.sql], relation);
      acl.deps.add(object.id);
      if (previous) acl.deps.add(previous.id);
      if (s.grantee !== null) acl.roles.add(s.grantee);
      previous = acl;
    }
  }
}

function build(cat: Catalog): BuiltSchema {
  const b = new SchemaBuilder(cat);
  const relById = new Map<number, RelationRow>();
  for (const r of cat.relations) relById.set(r.oid, r);
  const columnsByRel = new Map<number, ColumnRow[]>();
  for (const c of cat.columns) {
    const list = columnsByRel.get(c.rel);
    if (list) list.push(c);
    else columnsByRel.set(c.rel, [c]);
  }
  const seqByOid = new Map<number, SequenceRow>();
  for (const s of cat.sequences) seqByOid.set(s.oid, s);
  const identitySeq = new Map<string, { rel: RelationRow; seq: SequenceRow }>();
  for (const s of cat.sequences) {
    const rel = relById.get(s.oid);
    if (s.ownedby?.deptype === 'i' && rel) identitySeq.set(`${s.ownedby.table}:${s.ownedby.column}`, { rel, seq: s });
  }
  const relItem = new Map<number, Draft>();
  const tables: TableSpec[] = [];
  const sequences: SequenceSpec[] = [];

  // Schemas
  for (const n of cat.namespaces) {
    if (b.isExtensionMember('pg_namespace', n.oid)) continue;
    const d = b.add('SCHEMA', 'pre-data', null, n.name, [n.name === 'public' ? 'CREATE SCHEMA IF NOT EXISTS public;' : `CREATE SCHEMA ${ident(n.name)};`]);
    b.own('pg_namespace', n.oid, d);
    const text = b.comment('pg_namespace', n.oid);
    if (text !== undefined) d.sql.push(`COMMENT ON SCHEMA ${ident(n.name)} IS ${literal(text)};`);
    else if (n.name === 'public') d.sql.push('COMMENT ON SCHEMA public IS NULL;');
    b.setOwner(d, `SCHEMA ${ident(n.name)}`, n.owner);
    if (!sameAcl(n.acl, n.initacl)) b.addAcl(d, `SCHEMA ${n.name}`, objectAcl(`SCHEMA ${ident(n.name)}`, n.owner, n.acl ?? []));
  }

  // Extensions: their member objects are the extension's business, never dumped one by one.
  for (const e of cat.extensions) {
    const d = b.add('EXTENSION', 'pre-data', null, e.name, [`CREATE EXTENSION IF NOT EXISTS ${ident(e.name)} WITH SCHEMA ${ident(e.schema)};`]);
    b.own('pg_extension', e.oid, d);
    b.addComment(d, 'pg_extension', e.oid, `EXTENSION ${ident(e.name)}`);
  }

  for (const c of cat.collations) {
    if (b.isExtensionMember('pg_collation', c.oid)) continue;
    const name = qualified(c.schema, c.name);
    const opts: string[] = [];
    if (c.provider === 'i') {
      opts.push('provider = icu');
      if (!c.deterministic) opts.push('deterministic = false');
      opts.push(`locale = ${literal(c.locale ?? c.collate ?? '')}`);
      if (c.rules !== null) opts.push(`rules = ${literal(c.rules)}`);
    } else {
      opts.push(c.provider === 'b' ? 'provider = builtin' : 'provider = libc');
      if (!c.deterministic) opts.push('deterministic = false');
      if (c.provider === 'b') opts.push(`locale = ${literal(c.locale ?? '')}`);
      else if (c.collate === c.ctype) opts.push(`locale = ${literal(c.collate ?? '')}`);
      else opts.push(`lc_collate = ${literal(c.collate ?? '')}`, `lc_ctype = ${literal(c.ctype ?? '')}`);
    }
    const d = b.add('COLLATION', 'pre-data', c.schema, c.name, [`CREATE COLLATION ${name} (${opts.join(', ')});`]);
    b.own('pg_collation', c.oid, d);
    b.addComment(d, 'pg_collation', c.oid, `COLLATION ${name}`);
    b.setOwner(d, `COLLATION ${name}`, c.owner);
  }

  // Types
  const domainConstraints = new Map<number, ConstraintRow[]>();
  for (const c of cat.constraints) {
    if (c.typ === 0) continue;
    const list = domainConstraints.get(c.typ);
    if (list) list.push(c);
    else domainConstraints.set(c.typ, [c]);
  }
  for (const t of cat.types) {
    if (b.isExtensionMember('pg_type', t.oid)) continue;
    buildType(b, t, domainConstraints.get(t.oid) ?? []);
  }

  // Functions, procedures, aggregates
  const aggregates = new Map(cat.aggregates.map((a) => [a.oid, a]));
  for (const f of cat.functions) {
    if (b.isExtensionMember('pg_proc', f.oid) || b.isImplicit('pg_proc', f.oid)) continue;
    const signature = `${qualified(f.schema, f.name)}(${f.args})`;
    let d: Draft;
    if (f.kind === 'a') {
      const a = aggregates.get(f.oid);
      if (!a) continue;
      const opts = [`SFUNC = ${a.sfunc}`, `STYPE = ${a.stype}`];
      if (a.sspace > 0) opts.push(`SSPACE = ${a.sspace}`);
      if (a.finalfunc !== null) {
        opts.push(`FINALFUNC = ${a.finalfunc}`);
        if (a.finalextra) opts.push('FINALFUNC_EXTRA');
        const m = modifyNames[a.finalmodify];
        if (m) opts.push(`FINALFUNC_MODIFY = ${m}`);
      }
      if (a.combinefunc !== null) opts.push(`COMBINEFUNC = ${a.combinefunc}`);
      if (a.serialfunc !== null) opts.push(`SERIALFUNC = ${a.serialfunc}`);
      if (a.deserialfunc !== null) opts.push(`DESERIALFUNC = ${a.deserialfunc}`);
      if (a.initcond !== null) opts.push(`INITCOND = ${literal(a.initcond)}`);
      if (a.msfunc !== null) {
        opts.push(`MSFUNC = ${a.msfunc}`);
        if (a.minvfunc !== null) opts.push(`MINVFUNC = ${a.minvfunc}`);
        if (a.mstype !== null) opts.push(`MSTYPE = ${a.mstype}`);
        if (a.msspace > 0) opts.push(`MSSPACE = ${a.msspace}`);
        if (a.mfinalfunc !== null) {
          opts.push(`MFINALFUNC = ${a.mfinalfunc}`);
          if (a.mfinalextra) opts.push('MFINALFUNC_EXTRA');
          const m = modifyNames[a.mfinalmodify];
          if (m) opts.push(`MFINALFUNC_MODIFY = ${m}`);
        }
        if (a.minitcond !== null) opts.push(`MINITCOND = ${literal(a.minitcond)}`);
      }
      if (a.sortop !== null) opts.push(`SORTOP = ${a.sortop}`);
      if (a.parallel === 's') opts.push('PARALLEL = SAFE');
      else if (a.parallel === 'r') opts.push('PARALLEL = RESTRICTED');
      if (a.kind === 'h') opts.push('HYPOTHETICAL');
      d = b.add('AGGREGATE', 'pre-data', f.schema, `${f.name}(${f.args})`, [`CREATE AGGREGATE ${signature} (\n    ${opts.join(',\n    ')}\n);`]);
      b.addComment(d, 'pg_proc', f.oid, `AGGREGATE ${signature}`);
      b.setOwner(d, `AGGREGATE ${signature}`, f.owner);
    } else {
      if (f.def === null) continue;
      d = b.add('FUNCTION', 'pre-data', f.schema, `${f.name}(${f.args})`, [`${f.def.trimEnd()};`]);
      const word = f.kind === 'p' ? 'PROCEDURE' : 'FUNCTION';
      b.addComment(d, 'pg_proc', f.oid, `${word} ${signature}`);
      b.setOwner(d, `${word} ${signature}`, f.owner);
    }
    b.own('pg_proc', f.oid, d);
    // GRANT takes argument types only: ordered-set aggregates list their ORDER BY arguments as plain ones.
    const grantSig = `${qualified(f.schema, f.name)}(${f.args.replace(' ORDER BY ', ', ')})`;
    b.addAcl(d, `ROUTINE ${f.schema}.${f.name}(${f.args})`, objectAcl(`ROUTINE ${grantSig}`, f.owner, f.acl));
  }

  // Sequences (identity sequences are part of their table)
  for (const s of cat.sequences) {
    const rel = relById.get(s.oid);
    if (!rel || b.isExtensionMember('pg_class', s.oid) || s.ownedby?.deptype === 'i') continue;
    const name = qualified(rel.schema, rel.name);
    const d = b.add('SEQUENCE', 'pre-data', rel.schema, rel.name, [
      `CREATE ${rel.persistence === 'u' ? 'UNLOGGED ' : ''}SEQUENCE ${name}${sequenceOptions(s, '\n    ')};`,
    ]);
    b.own('pg_class', s.oid, d);
    relItem.set(s.oid, d);
    b.addComment(d, 'pg_class', s.oid, `SEQUENCE ${name}`);
    b.setOwner(d, `SEQUENCE ${name}`, rel.owner);
    b.addAcl(d, `SEQUENCE ${displayName(rel.schema, rel.name)}`, objectAcl(`SEQUENCE ${name}`, rel.owner, rel.acl));
    sequences.push({ item: d.id, schema: rel.schema, name: rel.name });
  }

  // Tables, views, materialized views
  for (const rel of cat.relations) {
    if (b.isExtensionMember('pg_class', rel.oid)) continue;
    if (rel.kind === 'f') {
      b.warnings.push(`Foreign table ${displayName(rel.schema, rel.name)} was not dumped (foreign tables are not supported).`);
      continue;
    }
    if (rel.kind === 'S') continue;
    const cols = columnsByRel.get(rel.oid) ?? [];
    const d = rel.kind === 'v' || rel.kind === 'm' ? buildView(b, rel, cols) : buildTable(b, rel, cols, relById, columnsByRel, identitySeq, cat.constraints);
    relItem.set(rel.oid, d);
    if (rel.kind === 'r') {
      const orderBy = orderingKey(rel, cols, cat.indexes);
      tables.push({
        item: d.id, oid: rel.oid, schema: rel.schema, name: rel.name,
        columns: cols.filter((c) => c.generated === '').map((c) => c.name),
        orderBy, keyType: orderBy === null ? null : (cols.find((c) => c.name === orderBy[0])?.type ?? null),
        estimatedRows: rel.reltuples, pages: rel.relpages,
      });
    }
    for (const c of cols) {
      const idSeq = identitySeq.get(`${rel.oid}:${c.name}`);
      if (idSeq) sequences.push({ item: d.id, schema: idSeq.rel.schema, name: idSeq.rel.name });
    }
  }

  // Partition attachment, sequence ownership, column defaults (after every table, so no cycle can form)
  for (const rel of cat.relations) {
    const child = relItem.get(rel.oid);
    if (!child) continue;
    if (rel.ispartition && rel.partbound !== null) {
      const parent = rel.parents?.[0];
      const parentItem = parent ? relItem.get(parent.oid) : undefined;
      if (parent && parentItem) {
        const d = b.add('TABLE ATTACH', 'pre-data', rel.schema, rel.name,
          [`ALTER TABLE ONLY ${qualified(parent.schema, parent.name)} ATTACH PARTITION ${qualified(rel.schema, rel.name)} ${rel.partbound};`], child.id);
        d.deps.add(parentItem.id);
      }
    }
    const defaults = (columnsByRel.get(rel.oid) ?? []).filter((c) => c.def !== null && c.generated === '' && c.defoid !== null);
    if (defaults.length > 0 && rel.kind !== 'S') {
      const word = rel.kind === 'v' ? 'VIEW' : 'TABLE ONLY';
      const d = b.add('DEFAULT', 'pre-data', rel.schema, rel.name,
        [`ALTER ${word} ${qualified(rel.schema, rel.name)}\n    ${defaults.map((c) => `ALTER COLUMN ${ident(c.name)} SET DEFAULT ${c.def ?? ''}`).join(',\n    ')};`], child.id);
      for (const c of defaults) b.own('pg_attrdef', c.defoid, d);
    }
  }
  for (const s of cat.sequences) {
    const seqItem = relItem.get(s.oid);
    const rel = relById.get(s.oid);
    if (!seqItem || !rel || s.ownedby?.deptype !== 'a') continue;
    const table = relById.get(s.ownedby.table);
    const tableItem = relItem.get(s.ownedby.table);
    if (!table || !tableItem) continue;
    const d = b.add('SEQUENCE OWNED BY', 'pre-data', rel.schema, rel.name,
      [`ALTER SEQUENCE ${qualified(rel.schema, rel.name)} OWNED BY ${qualified(table.schema, table.name)}.${ident(s.ownedby.column)};`], seqItem.id);
    d.deps.add(tableItem.id);
  }

  buildConstraintsAndIndexes(b, cat, relById, relItem);
  buildLateRelationItems(b, cat, relById, relItem);

  // Large objects: the bytes travel in the data section; owner, comment and grants afterwards.
  for (const lo of cat.largeObjects) {
    const d = b.add('LARGE OBJECT', 'late', null, String(lo.oid), []);
    b.own('pg_largeobject', lo.oid, d);
    b.addComment(d, 'pg_largeobject', lo.oid, `LARGE OBJECT ${lo.oid}`);
    b.setOwner(d, `LARGE OBJECT ${lo.oid}`, lo.owner);
    b.addAcl(d, `LARGE OBJECT ${lo.oid}`, objectAcl(`LARGE OBJECT ${lo.oid}`, lo.owner, lo.acl));
  }

  // Default privileges come last: earlier, they would change the privileges of the objects the restore creates.
  for (const da of cat.defaultAcls) {
    for (const s of defaultAcl(da.role, da.schema, da.objtype, da.acl)) {
      const d = b.add('DEFAULT ACL', 'late', da.schema, `${da.role} ${da.objtype} ${s.grantee ?? 'PUBLIC'}`, [s.sql]);
      d.roles.add(da.role);
      if (s.grantee !== null) d.roles.add(s.grantee);
      if (da.schema !== null) {
        const ns = cat.namespaces.find((n) => n.name === da.schema);
        const nsItem = ns ? b.ownerOf('pg_namespace', ns.oid) : undefined;
        if (nsItem !== undefined) d.deps.add(nsItem);
      }
    }
  }

  // Event triggers last of all: one on ddl_command_end would otherwise fire for every statement of the restore.
  for (const e of cat.eventTriggers) {
    if (b.isExtensionMember('pg_event_trigger', e.oid)) continue;
    const tags = e.tags && e.tags.length > 0 ? `\n    WHEN TAG IN (${e.tags.map(literal).join(', ')})` : '';
    const d = b.add('EVENT TRIGGER', 'late', null, e.name, [`CREATE EVENT TRIGGER ${ident(e.name)} ON ${ident(e.event)}${tags}\n    EXECUTE FUNCTION ${e.func}();`]);
    const state = ({ D: 'DISABLE', R: 'ENABLE REPLICA', A: 'ENABLE ALWAYS' } as Record<string, string | undefined>)[e.enabled];
    if (state) d.sql.push(`ALTER EVENT TRIGGER ${ident(e.name)} ${state};`);
    b.own('pg_event_trigger', e.oid, d);
    b.addComment(d, 'pg_event_trigger', e.oid, `EVENT TRIGGER ${ident(e.name)}`);
    b.setOwner(d, `EVENT TRIGGER ${ident(e.name)}`, e.owner);
  }

  // Dependencies recorded by the server
  for (const dep of cat.depends) {
    if (dep.deptype === 'e') continue;
    const from = b.ownerOf(dep.cls, dep.oid);
    const to = b.ownerOf(dep.refcls, dep.refoid);
    if (from === undefined || to === undefined || from === to) continue;
    const fromItem = b.drafts[from];
    const toItem = b.drafts[to];
    if (!fromItem || !toItem) continue;
    // A sequence's OWNED BY link is its own item; as an edge it would only force the sequence after its table.
    if (dep.deptype === 'a' && fromItem.kind === 'SEQUENCE') continue;
    fromItem.deps.add(to);
  }

  // Materialized views refresh after those they read from.
  const refreshOf = new Map<number, Draft>();
  for (const d of b.drafts) if (d.kind === 'REFRESH MATERIALIZED VIEW' && d.relation !== null) refreshOf.set(d.relation, d);
  for (const [mv, refresh] of refreshOf) {
    for (const dep of b.drafts[mv]?.deps ?? []) {
      const other = refreshOf.get(dep);
      if (other) refresh.deps.add(other.id);
    }
  }

  settleSections(b.drafts);

  const { ordered, cycleBreaks } = orderByDependencies(b.drafts.map((d) => ({ ...d, deps: [...d.deps], priority: priority[d.kind], sortKey: `${d.schema ?? ''}\u0000${d.name}` })));
  for (const c of cycleBreaks) b.warnings.push(`${c.kind} ${c.schema === null ? '' : `${c.schema}.`}${c.name} is part of a dependency cycle; the restore may need it created by hand.`);
  for (const u of cat.unsupported) b.warnings.push(`The ${u} is not dumped (this kind of object is not supported yet).`);

  const items: SchemaItem[] = ordered.map((d) => ({
    id: d.id, kind: d.kind, section: d.section, schema: d.schema, name: d.name, relation: d.relation,
    deps: [...d.deps].sort((x, y) => x - y), sql: d.sql.join('\n'), owner: d.owner, ownerSql: d.ownerSql, roles: [...d.roles].sort(),
  }));
  return { items, tables, sequences, largeObjects: cat.largeObjects.map((l) => l.oid), warnings: b.warnings };
}

/** Identity sequences take their type from the column: naming it again is an error. */
function sequenceOptions(s: SequenceRow, sep: string, withType = true): string {
  const parts: string[] = [];
  if (withType && s.type !== 'bigint') parts.push(`AS ${s.type}`);
  parts.push(`START WITH ${s.start}`, `INCREMENT BY ${s.increment}`, `MINVALUE ${s.min}`, `MAXVALUE ${s.max}`, `CACHE ${s.cache}`, s.cycle ? 'CYCLE' : 'NO CYCLE');
  return sep + parts.join(sep);
}

function buildType(b: SchemaBuilder, t: TypeRow, constraints: readonly ConstraintRow[]): void {
  const name = qualified(t.schema, t.name);
  let d: Draft;
  switch (t.kind) {
    case 'e':
      d = b.add('TYPE', 'pre-data', t.schema, t.name, [`CREATE TYPE ${name} AS ENUM (${(t.labels ?? []).map((l) => `\n    ${literal(l)}`).join(',')}\n);`]);
      break;
    case 'c': {
      const attrs = (t.attributes ?? []).map((a) => `\n    ${ident(a.name)} ${a.type}${a.collation === null ? '' : ` COLLATE ${a.collation}`}`);
      d = b.add('TYPE', 'pre-data', t.schema, t.name, [`CREATE TYPE ${name} AS (${attrs.join(',')}\n);`]);
      b.own('pg_class', t.relid, d);
      break;
    }
    case 'r': {
      const opts = [`subtype = ${t.subtype ?? ''}`];
      if (t.opclass !== null) opts.push(`subtype_opclass = ${t.opclass}`);
      if (t.rangecollation !== null) opts.push(`collation = ${t.rangecollation}`);
      if (t.canonical !== null) opts.push(`canonical = ${t.canonical}`);
      if (t.subdiff !== null) opts.push(`subtype_diff = ${t.subdiff}`);
      if (t.multirangename !== null) opts.push(`multirange_type_name = ${t.multirangename}`);
      d = b.add('TYPE', 'pre-data', t.schema, t.name, [`CREATE TYPE ${name} AS RANGE (\n    ${opts.join(',\n    ')}\n);`]);
      b.own('pg_type', t.multirange, d);
      break;
    }
    case 'd': {
      const parts = [`CREATE DOMAIN ${name} AS ${t.basetype ?? ''}`];
      if (t.collation !== null) parts.push(`COLLATE ${t.collation}`);
      if (t.default !== null) parts.push(`DEFAULT ${t.default}`);
      if (t.notnull) parts.push('NOT NULL');
      for (const c of constraints) {
        if (c.validated) parts.push(`\n    CONSTRAINT ${ident(c.name)} ${c.def}`);
      }
      d = b.add('DOMAIN', 'pre-data', t.schema, t.name, [`${parts.join(' ')};`]);
      for (const c of constraints) {
        if (c.validated) {
          b.own('pg_constraint', c.oid, d);
          b.addComment(d, 'pg_constraint', c.oid, `CONSTRAINT ${ident(c.name)} ON DOMAIN ${name}`);
        } else {
          const late = b.add('DOMAIN CONSTRAINT', 'late', t.schema, `${t.name} ${c.name}`, [`ALTER DOMAIN ${name} ADD CONSTRAINT ${ident(c.name)} ${c.def};`]);
          late.deps.add(d.id);
          b.own('pg_constraint', c.oid, late);
          b.addComment(late, 'pg_constraint', c.oid, `CONSTRAINT ${ident(c.name)} ON DOMAIN ${name}`);
        }
      }
      break;
    }
  }
  b.own('pg_type', t.oid, d);
  const word = t.kind === 'd' ? 'DOMAIN' : 'TYPE';
  b.addComment(d, 'pg_type', t.oid, `${word} ${name}`);
  b.setOwner(d, `${word} ${name}`, t.owner);
  b.addAcl(d, `${word} ${displayName(t.schema, t.name)}`, objectAcl(`${word} ${name}`, t.owner, t.acl));
}

function buildView(b: SchemaBuilder, rel: RelationRow, cols: readonly ColumnRow[]): Draft {
  const name = qualified(rel.schema, rel.name);
  const def = stripSemicolon(rel.viewdef ?? '');
  let d: Draft;
  if (rel.kind === 'v') {
    const check = (rel.options ?? []).find((o) => o.startsWith('check_option='))?.slice('check_option='.length);
    const options = withOptions(rel.options, (n) => n === 'check_option');
    d = b.add('VIEW', 'pre-data', rel.schema, rel.name, [`CREATE VIEW ${name}${options} AS\n${def}${check ? `\n  WITH ${check.toUpperCase()} CHECK OPTION` : ''};`]);
    b.addComment(d, 'pg_class', rel.oid, `VIEW ${name}`);
    b.setOwner(d, `VIEW ${name}`, rel.owner);
  } else {
    const using = rel.am !== null && rel.am !== 'heap' ? ` USING ${ident(rel.am)}` : '';
    d = b.add('MATERIALIZED VIEW', 'pre-data', rel.schema, rel.name, [`CREATE MATERIALIZED VIEW ${name}${using}${withOptions(rel.options)} AS\n${def}\n  WITH NO DATA;`]);
    b.addComment(d, 'pg_class', rel.oid, `MATERIALIZED VIEW ${name}`);
    b.setOwner(d, `MATERIALIZED VIEW ${name}`, rel.owner);
    if (rel.populated) b.add('REFRESH MATERIALIZED VIEW', 'late', rel.schema, rel.name, [`REFRESH MATERIALIZED VIEW ${name};`], d.id);
  }
  for (const c of cols) b.addComment(d, 'pg_class', rel.oid, `COLUMN ${name}.${ident(c.name)}`, c.num);
  b.own('pg_class', rel.oid, d);
  b.own('pg_type', rel.reltype, d);
  b.own('pg_rewrite', rel.returnrule, d);
  b.addAcl(d, `TABLE ${displayName(rel.schema, rel.name)}`, objectAcl(`TABLE ${name}`, rel.owner, rel.acl));
  for (const c of cols) b.addAcl(d, `COLUMN ${displayName(rel.schema, rel.name)}.${c.name}`, columnAcl(`TABLE ${name}`, ident(c.name), c.acl));
  return d;
}

function buildTable(
  b: SchemaBuilder,
  rel: RelationRow,
  cols: readonly ColumnRow[],
  relById: ReadonlyMap<number, RelationRow>,
  columnsByRel: ReadonlyMap<number, ColumnRow[]>,
  identitySeq: ReadonlyMap<string, { rel: RelationRow; seq: SequenceRow }>,
  constraints: readonly ConstraintRow[],
): Draft {
  const name = qualified(rel.schema, rel.name);
  // Partitions are created whole and attached afterwards (as pg_dump does); inheritance children list only their own columns.
  const inherits = !rel.ispartition && rel.parents !== null && rel.parents.length > 0;
  const shown = inherits ? cols.filter((c) => c.islocal) : cols;
  const parentNotNull = new Set<string>();
  if (inherits) {
    for (const p of rel.parents ?? []) for (const pc of columnsByRel.get(p.oid) ?? []) if (pc.notnull) parentNotNull.add(pc.name);
  }
  const lines: string[] = [];
  const identitySeqs: number[] = [];
  // A typed table takes its columns from the type; only their options are written.
  const typed = rel.oftype !== null && !rel.ispartition;
  for (const c of shown) {
    if (typed) {
      if (c.notnull) lines.push(`${ident(c.name)} WITH OPTIONS NOT NULL`);
      continue;
    }
    let line = `${ident(c.name)} ${c.type}`;
    if (c.collation !== null) line += ` COLLATE ${c.collation}`;
    if (c.generated === 's' && c.def !== null) line += ` GENERATED ALWAYS AS (${c.def}) STORED`;
    const idSeq = identitySeq.get(`${rel.oid}:${c.name}`);
    if (c.identity !== '' && idSeq) {
      line += ` GENERATED ${c.identity === 'a' ? 'ALWAYS' : 'BY DEFAULT'} AS IDENTITY (SEQUENCE NAME ${qualified(idSeq.rel.schema, idSeq.rel.name)}${sequenceOptions(idSeq.seq, ' ', false)})`;
      identitySeqs.push(idSeq.rel.oid);
    }
    if (c.notnull) line += ' NOT NULL';
    lines.push(line);
  }
  const tableChecks = constraints.filter((c) => c.rel === rel.oid && c.type === 'c');
  const inlineChecks = tableChecks.filter((c) => c.validated && (rel.ispartition || c.islocal));
  for (const c of inlineChecks) lines.push(`CONSTRAINT ${ident(c.name)} ${c.def}`);
  const body = lines.length === 0 && typed ? '' : ` (${lines.map((l) => `\n    ${l}`).join(',')}\n)`;
  let create = `CREATE ${rel.persistence === 'u' ? 'UNLOGGED ' : ''}TABLE ${name}${typed ? ` OF ${rel.oftype ?? ''}` : ''}${body}`;
  if (inherits) create += `\nINHERITS (${(rel.parents ?? []).map((p) => qualified(p.schema, p.name)).join(', ')})`;
  if (rel.kind === 'p' && rel.partkey !== null) create += `\nPARTITION BY ${rel.partkey}`;
  if (rel.am !== null && rel.am !== 'heap') create += `\nUSING ${ident(rel.am)}`;
  create += withOptions(rel.options);
  const sql = [`${create};`];
  const only = `ALTER TABLE ONLY ${name}`;
  for (const c of cols) {
    const col = `${only} ALTER COLUMN ${ident(c.name)}`;
    if (inherits && !c.islocal && c.notnull && !parentNotNull.has(c.name)) sql.push(`${col} SET NOT NULL;`);
    if (c.stattarget !== null) sql.push(`${col} SET STATISTICS ${c.stattarget};`);
    const storage = c.storage === null ? undefined : storageNames[c.storage];
    if (storage) sql.push(`${col} SET STORAGE ${storage};`);
    if (c.options && c.options.length > 0) sql.push(`${col} SET (${withOptions(c.options).slice(' WITH ('.length, -1)});`);
    const compression = compressionNames[c.compression];
    if (compression) sql.push(`${col} SET COMPRESSION ${compression};`);
  }
  if (rel.replident === 'f') sql.push(`${only} REPLICA IDENTITY FULL;`);
  else if (rel.replident === 'n') sql.push(`${only} REPLICA IDENTITY NOTHING;`);
  if (rel.forcerowsecurity) sql.push(`${only} FORCE ROW LEVEL SECURITY;`);
  const d = b.add('TABLE', 'pre-data', rel.schema, rel.name, sql);
  b.addComment(d, 'pg_class', rel.oid, `TABLE ${name}`);
  for (const c of cols) b.addComment(d, 'pg_class', rel.oid, `COLUMN ${name}.${ident(c.name)}`, c.num);
  for (const c of inlineChecks) b.addComment(d, 'pg_constraint', c.oid, `CONSTRAINT ${ident(c.name)} ON ${name}`);
  b.setOwner(d, `TABLE ${name}`, rel.owner);
  b.own('pg_class', rel.oid, d);
  b.own('pg_type', rel.reltype, d);
  for (const c of inlineChecks) b.own('pg_constraint', c.oid, d);
  for (const c of tableChecks) if (!inlineChecks.includes(c)) b.own('pg_constraint', c.oid, d);
  for (const c of cols) if (c.generated !== '') b.own('pg_attrdef', c.defoid, d);
  for (const s of identitySeqs) b.own('pg_class', s, d);
  b.addAcl(d, `TABLE ${displayName(rel.schema, rel.name)}`, objectAcl(`TABLE ${name}`, rel.owner, rel.acl));
  for (const c of cols) b.addAcl(d, `COLUMN ${displayName(rel.schema, rel.name)}.${c.name}`, columnAcl(`TABLE ${name}`, ident(c.name), c.acl));
  for (const s of identitySeqs) {
    const seqRel = relById.get(s);
    if (seqRel) b.addAcl(d, `SEQUENCE ${displayName(seqRel.schema, seqRel.name)}`, objectAcl(`SEQUENCE ${qualified(seqRel.schema, seqRel.name)}`, seqRel.owner, seqRel.acl));
  }
  // NOT VALID checks are added after the data, which may not satisfy them.
  for (const c of tableChecks) {
    if (c.validated || !(c.islocal || rel.ispartition)) continue;
    const late = b.add('CHECK CONSTRAINT', 'late', rel.schema, `${rel.name} ${c.name}`, [`ALTER TABLE ${name} ADD CONSTRAINT ${ident(c.name)} ${c.def};`], d.id);
    b.own('pg_constraint', c.oid, late);
    b.addComment(late, 'pg_constraint', c.oid, `CONSTRAINT ${ident(c.name)} ON ${name}`);
  }
  return d;
}

/** The columns that give a table's rows a stable order: the primary key, else a unique key on NOT NULL columns. */
function orderingKey(rel: RelationRow, cols: readonly ColumnRow[], indexes: readonly IndexRow[]): string[] | null {
  const own = indexes.filter((i) => i.rel === rel.oid && i.keycols !== null && i.unique && !i.partial);
  const notNull = new Set(cols.filter((c) => c.notnull).map((c) => c.name));
  const pk = own.find((i) => i.primary);
  if (pk?.keycols) return pk.keycols;
  const candidates = [...own.filter((i) => i.replident), ...own].filter((i) => (i.keycols ?? []).every((c) => notNull.has(c)));
  return candidates[0]?.keycols ?? null;
}

function buildConstraintsAndIndexes(b: SchemaBuilder, cat: Catalog, relById: ReadonlyMap<number, RelationRow>, relItem: ReadonlyMap<number, Draft>): void {
  const indexById = new Map(cat.indexes.map((i) => [i.oid, i]));
  const indexItem = new Map<number, Draft>();
  for (const c of cat.constraints) {
    if (c.rel === 0 || !['p', 'u', 'x', 'f'].includes(c.type)) continue;
    const rel = relById.get(c.rel);
    const owner = relItem.get(c.rel);
    if (!rel || !owner) continue;
    const name = qualified(rel.schema, rel.name);
    if (c.type === 'f') {
      if (c.parent !== 0) continue; // copies on partitions come with the parent's key
      const d = b.add('FK CONSTRAINT', 'late', rel.schema, `${rel.name} ${c.name}`,
        [`ALTER TABLE ${rel.kind === 'p' ? '' : 'ONLY '}${name}\n    ADD CONSTRAINT ${ident(c.name)} ${c.def};`], owner.id);
      b.own('pg_constraint', c.oid, d);
      b.addComment(d, 'pg_constraint', c.oid, `CONSTRAINT ${ident(c.name)} ON ${name}`);
      const target = relItem.get(c.frel);
      if (target) d.deps.add(target.id);
      continue;
    }
    const d = b.add('CONSTRAINT', 'table-bound', rel.schema, `${rel.name} ${c.name}`, [`ALTER TABLE ONLY ${name}\n    ADD CONSTRAINT ${ident(c.name)} ${c.def};`], owner.id);
    b.own('pg_constraint', c.oid, d);
    b.own('pg_class', c.index, d);
    b.addComment(d, 'pg_constraint', c.oid, `CONSTRAINT ${ident(c.name)} ON ${name}`);
    const index = indexById.get(c.index);
    if (index) {
      indexItem.set(index.oid, d);
      indexExtras(b, d, index, rel);
    }
  }
  for (const i of cat.indexes) {
    if (i.constraint !== null) continue;
    const rel = relById.get(i.rel);
    const owner = relItem.get(i.rel);
    if (!rel || !owner) continue;
    const d = b.add('INDEX', 'table-bound', i.schema, i.name, [`${i.def};`], owner.id);
    b.own('pg_class', i.oid, d);
    indexItem.set(i.oid, d);
    indexExtras(b, d, i, rel);
  }
  for (const i of cat.indexes) {
    if (i.parent === null) continue;
    const parent = indexById.get(i.parent);
    const parentItem = indexItem.get(i.parent);
    const childItem = indexItem.get(i.oid);
    if (!parent || !parentItem || !childItem) continue;
    const d = b.add('INDEX ATTACH', 'late', i.schema, i.name, [`ALTER INDEX ${qualified(parent.schema, parent.name)} ATTACH PARTITION ${qualified(i.schema, i.name)};`], childItem.relation);
    d.deps.add(parentItem.id);
    d.deps.add(childItem.id);
  }
}

function indexExtras(b: SchemaBuilder, d: Draft, i: IndexRow, rel: RelationRow): void {
  const table = qualified(rel.schema, rel.name);
  b.addComment(d, 'pg_class', i.oid, `INDEX ${qualified(i.schema, i.name)}`);
  if (i.clustered) d.sql.push(`ALTER TABLE ${table} CLUSTER ON ${ident(i.name)};`);
  if (i.replident) d.sql.push(`ALTER TABLE ONLY ${table} REPLICA IDENTITY USING INDEX ${ident(i.name)};`);
}

function buildLateRelationItems(b: SchemaBuilder, cat: Catalog, relById: ReadonlyMap<number, RelationRow>, relItem: ReadonlyMap<number, Draft>): void {
  const target = (relOid: number): { rel: RelationRow; item: Draft; name: string } | undefined => {
    const rel = relById.get(relOid);
    const item = relItem.get(relOid);
    return rel && item ? { rel, item, name: qualified(rel.schema, rel.name) } : undefined;
  };
  for (const s of cat.statistics) {
    const t = target(s.rel);
    if (!t || b.isExtensionMember('pg_statistic_ext', s.oid)) continue;
    const name = qualified(s.schema, s.name);
    const d = b.add('STATISTICS', 'late', s.schema, s.name, [`${s.def};`], t.item.id);
    if (s.stattarget !== null) d.sql.push(`ALTER STATISTICS ${name} SET STATISTICS ${s.stattarget};`);
    b.own('pg_statistic_ext', s.oid, d);
    b.addComment(d, 'pg_statistic_ext', s.oid, `STATISTICS ${name}`);
    b.setOwner(d, `STATISTICS ${name}`, s.owner);
  }
  for (const r of cat.rules) {
    const t = target(r.rel);
    if (!t) continue;
    const d = b.add('RULE', 'late', t.rel.schema, `${t.rel.name} ${r.name}`, [r.def.trim()], t.item.id);
    const state = ({ D: 'DISABLE', R: 'ENABLE REPLICA', A: 'ENABLE ALWAYS' } as Record<string, string | undefined>)[r.enabled];
    if (state) d.sql.push(`ALTER TABLE ${t.name} ${state} RULE ${ident(r.name)};`);
    b.own('pg_rewrite', r.oid, d);
    b.addComment(d, 'pg_rewrite', r.oid, `RULE ${ident(r.name)} ON ${t.name}`);
  }
  for (const tr of cat.triggers) {
    const t = target(tr.rel);
    if (!t) continue;
    const d = b.add('TRIGGER', 'late', t.rel.schema, `${t.rel.name} ${tr.name}`, [`${tr.def};`], t.item.id);
    const state = ({ D: 'DISABLE', R: 'ENABLE REPLICA', A: 'ENABLE ALWAYS' } as Record<string, string | undefined>)[tr.enabled];
    if (state) d.sql.push(`ALTER TABLE ${t.name} ${state} TRIGGER ${ident(tr.name)};`);
    b.own('pg_trigger', tr.oid, d);
    b.addComment(d, 'pg_trigger', tr.oid, `TRIGGER ${ident(tr.name)} ON ${t.name}`);
  }
  for (const p of cat.policies) {
    const t = target(p.rel);
    if (!t) continue;
    const named = p.roles.filter((r): r is string => r !== null);
    let sql = `CREATE POLICY ${ident(p.name)} ON ${t.name}`;
    if (!p.permissive) sql += ' AS RESTRICTIVE';
    sql += ` FOR ${policyCommands[p.cmd] ?? 'ALL'}`;
    if (named.length > 0) sql += ` TO ${p.roles.map(roleName).join(', ')}`;
    if (p.qual !== null) sql += ` USING (${p.qual})`;
    if (p.withcheck !== null) sql += ` WITH CHECK (${p.withcheck})`;
    const d = b.add('POLICY', 'late', t.rel.schema, `${t.rel.name} ${p.name}`, [`${sql};`], t.item.id);
    for (const r of named) d.roles.add(r);
    b.own('pg_policy', p.oid, d);
    b.addComment(d, 'pg_policy', p.oid, `POLICY ${ident(p.name)} ON ${t.name}`);
  }
  for (const rel of cat.relations) {
    const t = target(rel.oid);
    if (!t || !rel.rowsecurity) continue;
    b.add('ROW SECURITY', 'late', rel.schema, rel.name, [`ALTER TABLE ${t.name} ENABLE ROW LEVEL SECURITY;`], t.item.id);
  }
}

/**
 * An item may not run before what it depends on. A view that relies on a primary key (GROUP BY with
 * functional dependency) pulls that key into the pre-data; a table-bound item that needs a late one becomes late.
 */
function settleSections(drafts: Draft[]): void {
  let changed = true;
  while (changed) {
    changed = false;
    for (const d of drafts) {
      for (const depId of d.deps) {
        const dep = drafts[depId];
        if (!dep || sectionRank[dep.section] <= sectionRank[d.section]) continue;
        if (d.section === 'pre-data') dep.section = 'pre-data';
        else d.section = dep.section;
        changed = true;
      }
    }
  }
}

/** Builds the ordered schema items for a database read by readCatalog. */
export function buildSchema(cat: Catalog): BuiltSchema {
  return build(cat);
}
