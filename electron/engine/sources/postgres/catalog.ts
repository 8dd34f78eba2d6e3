// Reads a database's user objects from the system catalogs (inside the dump's snapshot), as typed rows.

import type pg from 'pg';
import type { AclEntry } from './acl.ts';

/** Schemas that belong to the server, never to the user. */
function userSchema(alias: string): string {
  return `(${alias}.nspname NOT IN ('pg_catalog', 'information_schema') AND ${alias}.nspname NOT LIKE 'pg\\_toast%' AND ${alias}.nspname NOT LIKE 'pg\\_temp\\_%')`;
}

/** An aclitem[] column as JSON rows in array order (null stays null: "the built-in defaults"). */
function acl(column: string): string {
  return `CASE WHEN ${column} IS NULL THEN NULL ELSE (SELECT coalesce(json_agg(json_build_object(
      'grantee', CASE WHEN x.grantee = 0 THEN NULL ELSE pg_catalog.pg_get_userbyid(x.grantee) END,
      'grantor', pg_catalog.pg_get_userbyid(x.grantor), 'privilege', x.privilege_type, 'grantable', x.is_grantable)
      ORDER BY x.ord), '[]'::json) FROM pg_catalog.aclexplode(${column}) WITH ORDINALITY x(grantor, grantee, privilege_type, is_grantable, ord)) END`;
}

/** A collation as a qualified name, when it differs from the type's default. */
function collationName(collOid: string, typeCollOid: string): string {
  return `(SELECT pg_catalog.quote_ident(cn.nspname) || '.' || pg_catalog.quote_ident(co.collname)
      FROM pg_catalog.pg_collation co JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
      WHERE co.oid = ${collOid} AND ${collOid} <> 0 AND ${collOid} <> ${typeCollOid})`;
}

export interface DatabaseRow { name: string; encoding: string; collate: string; ctype: string; provider: string; icu: string | null }
export interface NamespaceRow { oid: number; name: string; owner: string; acl: AclEntry[] | null; initacl: AclEntry[] | null }
export interface ExtensionRow { oid: number; name: string; schema: string; version: string }
export interface CollationRow { oid: number; schema: string; name: string; provider: string; deterministic: boolean; collate: string | null; ctype: string | null; locale: string | null; rules: string | null; owner: string }
export interface TypeRow {
  oid: number; schema: string; name: string; kind: 'e' | 'c' | 'd' | 'r'; array: number; relid: number; owner: string; acl: AclEntry[] | null;
  labels: string[] | null;
  attributes: { name: string; type: string; collation: string | null }[] | null;
  basetype: string | null; notnull: boolean; default: string | null; collation: string | null;
  subtype: string | null; opclass: string | null; rangecollation: string | null; canonical: string | null; subdiff: string | null; multirange: number | null; multirangename: string | null;
}
export interface FunctionRow { oid: number; schema: string; name: string; kind: 'f' | 'p' | 'a' | 'w'; args: string; owner: string; acl: AclEntry[] | null; def: string | null }
export interface AggregateRow {
  oid: number; kind: string; sfunc: string; stype: string; sspace: number; finalfunc: string | null; finalextra: boolean; finalmodify: string;
  combinefunc: string | null; serialfunc: string | null; deserialfunc: string | null; initcond: string | null;
  msfunc: string | null; minvfunc: string | null; mstype: string | null; msspace: number; mfinalfunc: string | null; mfinalextra: boolean; mfinalmodify: string; minitcond: string | null;
  sortop: string | null; parallel: string;
}
export interface RelationRow {
  oid: number; schema: string; name: string; kind: 'r' | 'p' | 'v' | 'm' | 'f' | 'S'; persistence: string; owner: string; acl: AclEntry[] | null;
  options: string[] | null; ispartition: boolean; partbound: string | null; partkey: string | null;
  rowsecurity: boolean; forcerowsecurity: boolean; replident: string; am: string | null; reltuples: number; relpages: number; populated: boolean;
  viewdef: string | null; oftype: string | null; parents: { schema: string; name: string; oid: number }[] | null; reltype: number;
  returnrule: number | null;
}
export interface SequenceRow {
  oid: number; type: string; start: string; increment: string; max: string; min: string; cache: string; cycle: boolean;
  ownedby: { table: number; column: string; deptype: 'a' | 'i' } | null;
}
export interface ColumnRow {
  rel: number; num: number; name: string; type: string; notnull: boolean; identity: string; generated: string; islocal: boolean;
  collation: string | null; storage: string | null; stattarget: number | null; options: string[] | null; compression: string;
  acl: AclEntry[] | null; defoid: number | null; def: string | null;
}
export interface ConstraintRow {
  oid: number; rel: number; typ: number; schema: string; name: string; type: string; def: string; validated: boolean;
  islocal: boolean; parent: number; index: number; frel: number;
}
export interface IndexRow {
  oid: number; rel: number; schema: string; name: string; def: string; clustered: boolean; replident: boolean; constraint: number | null; parent: number | null;
  primary: boolean; unique: boolean; partial: boolean; keycols: string[] | null;
}
export interface TriggerRow { oid: number; rel: number; name: string; def: string; enabled: string }
export interface RuleRow { oid: number; rel: number; name: string; def: string; enabled: string }
export interface PolicyRow { oid: number; rel: number; name: string; cmd: string; permissive: boolean; roles: (string | null)[]; qual: string | null; withcheck: string | null }
export interface StatisticsRow { oid: number; rel: number; schema: string; name: string; def: string; stattarget: number | null; owner: string }
export interface EventTriggerRow { oid: number; name: string; event: string; tags: string[] | null; func: string; enabled: string; owner: string }
export interface DefaultAclRow { role: string; schema: string | null; objtype: string; acl: AclEntry[] }
export interface LargeObjectRow { oid: number; owner: string; acl: AclEntry[] | null }
export interface CommentRow { cls: string; oid: number; sub: number; text: string }
export interface DependRow { cls: string; oid: number; refcls: string; refoid: number; deptype: string }

export interface Catalog {
  readonly database: DatabaseRow;
  readonly namespaces: NamespaceRow[];
  readonly extensions: ExtensionRow[];
  readonly collations: CollationRow[];
  readonly types: TypeRow[];
  readonly functions: FunctionRow[];
  readonly aggregates: AggregateRow[];
  readonly relations: RelationRow[];
  readonly sequences: SequenceRow[];
  readonly columns: ColumnRow[];
  readonly constraints: ConstraintRow[];
  readonly indexes: IndexRow[];
  readonly triggers: TriggerRow[];
  readonly rules: RuleRow[];
  readonly policies: PolicyRow[];
  readonly statistics: StatisticsRow[];
  readonly eventTriggers: EventTriggerRow[];
  readonly defaultAcls: DefaultAclRow[];
  readonly largeObjects: LargeObjectRow[];
  readonly comments: CommentRow[];
  readonly depends: DependRow[];
  /** Array types and their element types, so that a dependency on "t[]" counts as one on "t". */
  readonly arrays: { oid: number; elem: number }[];
  /** "class:oid" of every object that belongs to an extension, mapped to the extension's oid. */
  readonly extensionMembers: Map<string, number>;
  /** User-defined base types, foreign tables and other objects this source does not dump, for the warnings. */
  readonly unsupported: string[];
}

async function rows<T extends object>(client: pg.Client, sql: string): Promise<T[]> {
  return (await client.query<T>(sql)).rows;
}

/** Reads every catalog this source needs. Call inside the dump transaction with search_path = ''. */
export async function readCatalog(client: pg.Client, versionNum: number): Promise<Catalog> {
  const v = versionNum;
  const userRels = `(SELECT c.oid FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE ${userSchema('n')})`;

  const [database] = await rows<DatabaseRow>(client, `
    SELECT d.datname AS name, pg_catalog.pg_encoding_to_char(d.encoding) AS encoding, d.datcollate AS collate, d.datctype AS ctype,
           ${v >= 150000 ? 'd.datlocprovider::text' : "'c'"} AS provider,
           ${v >= 170000 ? 'd.datlocale' : v >= 150000 ? 'd.daticulocale' : 'NULL::text'} AS icu
    FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database()`);
  if (!database) throw new Error('the current database is missing from pg_database');

  const namespaces = await rows<NamespaceRow>(client, `
    SELECT n.oid, n.nspname AS name, pg_catalog.pg_get_userbyid(n.nspowner) AS owner, ${acl('n.nspacl')} AS acl,
           ${acl(`(SELECT ip.initprivs FROM pg_catalog.pg_init_privs ip WHERE ip.objoid = n.oid AND ip.classoid = 'pg_catalog.pg_namespace'::pg_catalog.regclass AND ip.objsubid = 0)`)} AS initacl
    FROM pg_catalog.pg_namespace n WHERE ${userSchema('n')} ORDER BY n.nspname`);

  const extensions = await rows<ExtensionRow>(client, `
    SELECT e.oid, e.extname AS name, n.nspname AS schema, e.extversion AS version
    FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
    WHERE e.oid >= 16384 ORDER BY e.extname`);

  const collations = await rows<CollationRow>(client, `
    SELECT c.oid, n.nspname AS schema, c.collname AS name, c.collprovider::text AS provider, c.collisdeterministic AS deterministic,
           c.collcollate AS collate, c.collctype AS ctype,
           ${v >= 170000 ? 'c.colllocale' : v >= 150000 ? 'c.colliculocale' : 'NULL::text'} AS locale,
           ${v >= 160000 ? 'c.collicurules' : 'NULL::text'} AS rules, pg_catalog.pg_get_userbyid(c.collowner) AS owner
    FROM pg_catalog.pg_collation c JOIN pg_catalog.pg_namespace n ON n.oid = c.collnamespace
    WHERE c.oid >= 16384 AND ${userSchema('n')}`);

  const types = await rows<TypeRow>(client, `
    SELECT t.oid, n.nspname AS schema, t.typname AS name, t.typtype::text AS kind, t.typarray AS array, t.typrelid AS relid,
           pg_catalog.pg_get_userbyid(t.typowner) AS owner, ${acl('t.typacl')} AS acl,
           CASE WHEN t.typtype = 'e' THEN (SELECT pg_catalog.json_agg(e.enumlabel ORDER BY e.enumsortorder) FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid) END AS labels,
           CASE WHEN t.typtype = 'c' THEN (SELECT pg_catalog.json_agg(json_build_object('name', a.attname, 'type', pg_catalog.format_type(a.atttypid, a.atttypmod),
                 'collation', ${collationName('a.attcollation', 'at.typcollation')}) ORDER BY a.attnum)
               FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type at ON at.oid = a.atttypid
               WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped) END AS attributes,
           CASE WHEN t.typtype = 'd' THEN pg_catalog.format_type(t.typbasetype, t.typtypmod) END AS basetype,
           t.typnotnull AS notnull,
           CASE WHEN t.typtype = 'd' THEN coalesce(pg_catalog.pg_get_expr(t.typdefaultbin, 0), t.typdefault) END AS default,
           CASE WHEN t.typtype = 'd' THEN ${collationName('t.typcollation', 'bt.typcollation')} END AS collation,
           CASE WHEN t.typtype = 'r' THEN pg_catalog.format_type(r.rngsubtype, NULL) END AS subtype,
           (SELECT pg_catalog.quote_ident(opn.nspname) || '.' || pg_catalog.quote_ident(opc.opcname) FROM pg_catalog.pg_opclass opc
              JOIN pg_catalog.pg_namespace opn ON opn.oid = opc.opcnamespace WHERE opc.oid = r.rngsubopc AND NOT opc.opcdefault) AS opclass,
           CASE WHEN t.typtype = 'r' THEN ${collationName('r.rngcollation', 'st.typcollation')} END AS rangecollation,
           CASE WHEN r.rngcanonical <> 0 THEN r.rngcanonical::pg_catalog.regproc::text END AS canonical,
           CASE WHEN r.rngsubdiff <> 0 THEN r.rngsubdiff::pg_catalog.regproc::text END AS subdiff,
           ${v >= 140000 ? 'r.rngmultitypid' : 'NULL::oid'} AS multirange,
           ${v >= 140000 ? "CASE WHEN t.typtype = 'r' THEN pg_catalog.format_type(r.rngmultitypid, NULL) END" : 'NULL::text'} AS multirangename
    FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
    LEFT JOIN pg_catalog.pg_type bt ON bt.oid = t.typbasetype
    LEFT JOIN pg_catalog.pg_range r ON r.rngtypid = t.oid
    LEFT JOIN pg_catalog.pg_type st ON st.oid = r.rngsubtype
    WHERE t.oid >= 16384 AND ${userSchema('n')} AND t.typtype IN ('e', 'c', 'd', 'r')
      AND (t.typtype <> 'c' OR (SELECT c.relkind FROM pg_catalog.pg_class c WHERE c.oid = t.typrelid) = 'c')`);

  const functions = await rows<FunctionRow>(client, `
    SELECT p.oid, n.nspname AS schema, p.proname AS name, p.prokind::text AS kind, pg_catalog.pg_get_function_identity_arguments(p.oid) AS args,
           pg_catalog.pg_get_userbyid(p.proowner) AS owner, ${acl('p.proacl')} AS acl,
           CASE WHEN p.prokind <> 'a' THEN pg_catalog.pg_get_functiondef(p.oid) END AS def
    FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
    WHERE p.oid >= 16384 AND ${userSchema('n')}`);

  const aggregates = await rows<AggregateRow>(client, `
    SELECT a.aggfnoid::oid AS oid, a.aggkind::text AS kind, a.aggtransfn::pg_catalog.regproc::text AS sfunc, pg_catalog.format_type(a.aggtranstype, NULL) AS stype,
           a.aggtransspace AS sspace, CASE WHEN a.aggfinalfn <> 0 THEN a.aggfinalfn::pg_catalog.regproc::text END AS finalfunc, a.aggfinalextra AS finalextra,
           a.aggfinalmodify::text AS finalmodify,
           CASE WHEN a.aggcombinefn <> 0 THEN a.aggcombinefn::pg_catalog.regproc::text END AS combinefunc,
           CASE WHEN a.aggserialfn <> 0 THEN a.aggserialfn::pg_catalog.regproc::text END AS serialfunc,
           CASE WHEN a.aggdeserialfn <> 0 THEN a.aggdeserialfn::pg_catalog.regproc::text END AS deserialfunc,
           a.agginitval AS initcond,
           CASE WHEN a.aggmtransfn <> 0 THEN a.aggmtransfn::pg_catalog.regproc::text END AS msfunc,
           CASE WHEN a.aggminvtransfn <> 0 THEN a.aggminvtransfn::pg_catalog.regproc::text END AS minvfunc,
           CASE WHEN a.aggmtranstype <> 0 THEN pg_catalog.format_type(a.aggmtranstype, NULL) END AS mstype, a.aggmtransspace AS msspace,
           CASE WHEN a.aggmfinalfn <> 0 THEN a.aggmfinalfn::pg_catalog.regproc::text END AS mfinalfunc, a.aggmfinalextra AS mfinalextra,
           a.aggmfinalmodify::text AS mfinalmodify, a.aggminitval AS minitcond,
           CASE WHEN a.aggsortop <> 0 THEN (SELECT pg_catalog.quote_ident(opn.nspname) || '.' || o.oprname FROM pg_catalog.pg_operator o
              JOIN pg_catalog.pg_namespace opn ON opn.oid = o.oprnamespace WHERE o.oid = a.aggsortop) END AS sortop,
           p.proparallel::text AS parallel
    FROM pg_catalog.pg_aggregate a JOIN pg_catalog.pg_proc p ON p.oid = a.aggfnoid JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
    WHERE p.oid >= 16384 AND ${userSchema('n')}`);

  const relations = await rows<RelationRow>(client, `
    SELECT c.oid, n.nspname AS schema, c.relname AS name, c.relkind::text AS kind, c.relpersistence::text AS persistence,
           pg_catalog.pg_get_userbyid(c.relowner) AS owner, ${acl('c.relacl')} AS acl, c.reloptions::text[] AS options,
           c.relispartition AS ispartition, CASE WHEN c.relispartition THEN pg_catalog.pg_get_expr(c.relpartbound, c.oid) END AS partbound,
           CASE WHEN c.relkind = 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END AS partkey,
           c.relrowsecurity AS rowsecurity, c.relforcerowsecurity AS forcerowsecurity, c.relreplident::text AS replident,
           am.amname AS am, c.reltuples::float8 AS reltuples, c.relpages AS relpages, c.relispopulated AS populated,
           CASE WHEN c.relkind IN ('v', 'm') THEN pg_catalog.pg_get_viewdef(c.oid) END AS viewdef,
           CASE WHEN c.reloftype <> 0 THEN pg_catalog.format_type(c.reloftype, NULL) END AS oftype,
           (SELECT pg_catalog.json_agg(json_build_object('schema', pn.nspname, 'name', p.relname, 'oid', p.oid::int8) ORDER BY i.inhseqno)
              FROM pg_catalog.pg_inherits i JOIN pg_catalog.pg_class p ON p.oid = i.inhparent JOIN pg_catalog.pg_namespace pn ON pn.oid = p.relnamespace
              WHERE i.inhrelid = c.oid) AS parents,
           c.reltype,
           (SELECT r.oid FROM pg_catalog.pg_rewrite r WHERE r.ev_class = c.oid AND r.rulename = '_RETURN') AS returnrule
    FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace LEFT JOIN pg_catalog.pg_am am ON am.oid = c.relam
    WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S') AND ${userSchema('n')}
    ORDER BY n.nspname, c.relname`);

  const sequences = await rows<SequenceRow>(client, `
    SELECT s.seqrelid AS oid, pg_catalog.format_type(s.seqtypid, NULL) AS type, s.seqstart::text AS start, s.seqincrement::text AS increment,
           s.seqmax::text AS max, s.seqmin::text AS min, s.seqcache::text AS cache, s.seqcycle AS cycle,
           (SELECT json_build_object('table', d.refobjid::int8, 'column', a.attname, 'deptype', d.deptype)
              FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
              WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = s.seqrelid
                AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.deptype IN ('a', 'i') AND d.refobjsubid > 0 LIMIT 1) AS ownedby
    FROM pg_catalog.pg_sequence s WHERE s.seqrelid IN ${userRels}`);

  const columns = await rows<ColumnRow>(client, `
    SELECT a.attrelid AS rel, a.attnum AS num, a.attname AS name, pg_catalog.format_type(a.atttypid, a.atttypmod) AS type,
           a.attnotnull AS notnull, a.attidentity::text AS identity, a.attgenerated::text AS generated, a.attislocal AS islocal,
           ${collationName('a.attcollation', 't.typcollation')} AS collation,
           CASE WHEN a.attstorage <> t.typstorage THEN a.attstorage::text END AS storage,
           CASE WHEN a.attstattarget >= 0 THEN a.attstattarget::int END AS stattarget,
           -- This server build keeps an internal per-column stamp in attoptions (pg_attver=…); its own pg_dump leaves it out, and so do we.
           ARRAY(SELECT o FROM pg_catalog.unnest(a.attoptions) o WHERE o NOT LIKE 'pg\\_attver=%') AS options, ${v >= 140000 ? 'a.attcompression::text' : "''"} AS compression,
           ${acl('a.attacl')} AS acl, ad.oid AS defoid, pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) AS def
    FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
    LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
    WHERE a.attnum > 0 AND NOT a.attisdropped AND a.attrelid IN ${userRels}
    ORDER BY a.attrelid, a.attnum`);

  const constraints = await rows<ConstraintRow>(client, `
    SELECT co.oid, co.conrelid AS rel, co.contypid AS typ, n.nspname AS schema, co.conname AS name, co.contype::text AS type,
           pg_catalog.pg_get_constraintdef(co.oid) AS def, co.convalidated AS validated, co.conislocal AS islocal,
           co.conparentid AS parent, co.conindid AS index, co.confrelid AS frel
    FROM pg_catalog.pg_constraint co JOIN pg_catalog.pg_namespace n ON n.oid = co.connamespace
    WHERE co.contype IN ('c', 'f', 'p', 'u', 'x') AND (co.conrelid IN ${userRels}
       OR co.contypid IN (SELECT t.oid FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace tn ON tn.oid = t.typnamespace WHERE ${userSchema('tn')}))
    ORDER BY co.conname, co.oid`);

  const indexes = await rows<IndexRow>(client, `
    SELECT i.indexrelid AS oid, i.indrelid AS rel, n.nspname AS schema, ic.relname AS name, pg_catalog.pg_get_indexdef(i.indexrelid) AS def,
           i.indisclustered AS clustered, i.indisreplident AS replident,
           (SELECT co.oid FROM pg_catalog.pg_constraint co WHERE co.conindid = i.indexrelid AND co.conrelid = i.indrelid AND co.contype IN ('p', 'u', 'x')) AS constraint,
           (SELECT inh.inhparent FROM pg_catalog.pg_inherits inh WHERE inh.inhrelid = i.indexrelid) AS parent,
           i.indisprimary AS primary, i.indisunique AS unique, i.indpred IS NOT NULL AS partial,
           CASE WHEN i.indexprs IS NULL THEN (SELECT pg_catalog.json_agg(a.attname ORDER BY k.ord)
              FROM pg_catalog.unnest(i.indkey::int2[]) WITH ORDINALITY k(attnum, ord)
              JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
              WHERE k.ord <= i.indnkeyatts) END AS keycols
    FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid JOIN pg_catalog.pg_namespace n ON n.oid = ic.relnamespace
    WHERE i.indrelid IN ${userRels}
    ORDER BY ic.relname`);

  const triggers = await rows<TriggerRow>(client, `
    SELECT t.oid, t.tgrelid AS rel, t.tgname AS name, pg_catalog.pg_get_triggerdef(t.oid, false) AS def, t.tgenabled::text AS enabled
    FROM pg_catalog.pg_trigger t
    WHERE NOT t.tgisinternal ${v >= 130000 ? 'AND t.tgparentid = 0' : ''} AND t.tgrelid IN ${userRels}
    ORDER BY t.tgname`);

  const rules = await rows<RuleRow>(client, `
    SELECT r.oid, r.ev_class AS rel, r.rulename AS name, pg_catalog.pg_get_ruledef(r.oid) AS def, r.ev_enabled::text AS enabled
    FROM pg_catalog.pg_rewrite r WHERE r.rulename <> '_RETURN' AND r.ev_class IN ${userRels} ORDER BY r.rulename`);

  const policies = await rows<PolicyRow>(client, `
    SELECT p.oid, p.polrelid AS rel, p.polname AS name, p.polcmd::text AS cmd, p.polpermissive AS permissive,
           (SELECT pg_catalog.json_agg(CASE WHEN r = 0 THEN NULL ELSE pg_catalog.pg_get_userbyid(r) END ORDER BY r) FROM pg_catalog.unnest(p.polroles) r) AS roles,
           pg_catalog.pg_get_expr(p.polqual, p.polrelid) AS qual, pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid) AS withcheck
    FROM pg_catalog.pg_policy p WHERE p.polrelid IN ${userRels} ORDER BY p.polname`);

  const statistics = await rows<StatisticsRow>(client, `
    SELECT s.oid, s.stxrelid AS rel, n.nspname AS schema, s.stxname AS name, pg_catalog.pg_get_statisticsobjdef(s.oid) AS def,
           CASE WHEN s.stxstattarget >= 0 THEN s.stxstattarget::int END AS stattarget, pg_catalog.pg_get_userbyid(s.stxowner) AS owner
    FROM pg_catalog.pg_statistic_ext s JOIN pg_catalog.pg_namespace n ON n.oid = s.stxnamespace
    WHERE s.stxrelid IN ${userRels}`);

  const eventTriggers = await rows<EventTriggerRow>(client, `
    SELECT e.oid, e.evtname AS name, e.evtevent AS event, e.evttags::text[] AS tags, e.evtfoid::pg_catalog.regproc::text AS func,
           e.evtenabled::text AS enabled, pg_catalog.pg_get_userbyid(e.evtowner) AS owner
    FROM pg_catalog.pg_event_trigger e ORDER BY e.evtname`);

  const defaultAcls = await rows<DefaultAclRow>(client, `
    SELECT pg_catalog.pg_get_userbyid(d.defaclrole) AS role, n.nspname AS schema, d.defaclobjtype::text AS objtype, ${acl('d.defaclacl')} AS acl
    FROM pg_catalog.pg_default_acl d LEFT JOIN pg_catalog.pg_namespace n ON n.oid = d.defaclnamespace
    ORDER BY 1, 2 NULLS FIRST, 3`);

  const largeObjects = await rows<LargeObjectRow>(client, `
    SELECT l.oid, pg_catalog.pg_get_userbyid(l.lomowner) AS owner, ${acl('l.lomacl')} AS acl
    FROM pg_catalog.pg_largeobject_metadata l ORDER BY l.oid`);

  const comments = await rows<CommentRow>(client, `
    SELECT d.classoid::pg_catalog.regclass::text AS cls, d.objoid AS oid, d.objsubid AS sub, d.description AS text
    FROM pg_catalog.pg_description d WHERE d.objoid >= 16384 OR d.classoid = 'pg_catalog.pg_namespace'::pg_catalog.regclass`);

  const depends = await rows<DependRow>(client, `
    SELECT d.classid::pg_catalog.regclass::text AS cls, d.objid AS oid, d.refclassid::pg_catalog.regclass::text AS refcls, d.refobjid AS refoid, d.deptype::text AS deptype
    FROM pg_catalog.pg_depend d WHERE d.deptype IN ('n', 'a', 'i', 'e') AND d.objid >= 16384 AND d.refobjid >= 16384`);

  const arrays = await rows<{ oid: number; elem: number }>(client, `
    SELECT t.oid, t.typelem AS elem FROM pg_catalog.pg_type t WHERE t.oid >= 16384 AND t.typelem <> 0 AND t.typcategory = 'A'`);

  const extensionMembers = new Map<string, number>();
  for (const d of depends) {
    if (d.deptype === 'e' && d.refcls === 'pg_extension') extensionMembers.set(`${d.cls}:${d.oid}`, d.refoid);
  }

  const others = await rows<{ what: string }>(client, `
    SELECT format('base type %I.%I', n.nspname, t.typname) AS what FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
      WHERE t.oid >= 16384 AND t.typtype IN ('b', 'p') AND t.typelem = 0 AND ${userSchema('n')}
        AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_type'::pg_catalog.regclass AND d.objid = t.oid AND d.deptype = 'e')
    UNION ALL SELECT format('operator %I.%s', n.nspname, o.oprname) FROM pg_catalog.pg_operator o JOIN pg_catalog.pg_namespace n ON n.oid = o.oprnamespace
      WHERE o.oid >= 16384 AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_operator'::pg_catalog.regclass AND d.objid = o.oid AND d.deptype = 'e')
    UNION ALL SELECT format('cast (%s AS %s)', c.castsource::pg_catalog.regtype, c.casttarget::pg_catalog.regtype) FROM pg_catalog.pg_cast c
      WHERE c.oid >= 16384 AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_cast'::pg_catalog.regclass AND d.objid = c.oid AND d.deptype IN ('e', 'i'))
    UNION ALL SELECT format('text search configuration %I', cfgname) FROM pg_catalog.pg_ts_config c
      WHERE c.oid >= 16384 AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_ts_config'::pg_catalog.regclass AND d.objid = c.oid AND d.deptype IN ('e', 'i'))
    UNION ALL SELECT format('foreign server %I', srvname) FROM pg_catalog.pg_foreign_server
    UNION ALL SELECT format('publication %I', pubname) FROM pg_catalog.pg_publication`);

  return {
    database, namespaces, extensions, collations, types, functions, aggregates, relations, sequences, columns, constraints, indexes,
    triggers, rules, policies, statistics, eventTriggers, defaultAcls, largeObjects, comments, depends, arrays, extensionMembers,
    unsupported: others.map((o) => o.what),
  };
}
