// Privileges as GRANT/REVOKE statements, one group per grantee, so grants to existing roles survive when the owner does not.

import { ident, roleName } from './sql-text.ts';

/** One row of aclexplode(): grantee null means PUBLIC. */
export interface AclEntry {
  readonly grantee: string | null;
  readonly grantor: string;
  readonly privilege: string;
  readonly grantable: boolean;
}

export interface GranteeStatements {
  /** null for PUBLIC. */
  readonly grantee: string | null;
  readonly sql: string;
}

function grantsFor(target: string, grantee: string | null, entries: readonly AclEntry[], columns: string): string[] {
  const out: string[] = [];
  for (const grantable of [false, true]) {
    const privileges = entries.filter((e) => e.grantable === grantable).map((e) => `${e.privilege}${columns}`);
    if (privileges.length === 0) continue;
    out.push(`GRANT ${privileges.join(', ')} ON ${target} TO ${roleName(grantee)}${grantable ? ' WITH GRANT OPTION' : ''};`);
  }
  return out;
}

function byGrantee(acl: readonly AclEntry[]): Map<string | null, AclEntry[]> {
  const groups = new Map<string | null, AclEntry[]>();
  for (const e of acl) {
    const list = groups.get(e.grantee);
    if (list) list.push(e);
    else groups.set(e.grantee, [e]);
  }
  return groups;
}

/**
 * Statements that give an object exactly the privileges in `acl`, in the same order. `acl` null means
 * "the defaults": nothing to do. Otherwise the object's privileges are first cleared (PUBLIC and the owner
 * are the only holders of defaults), then each grantee's are granted in the order the ACL lists them,
 * which rebuilds the array item by item.
 */
export function objectAcl(target: string, owner: string, acl: readonly AclEntry[] | null): GranteeStatements[] {
  if (acl === null) return [];
  const out: GranteeStatements[] = [{ grantee: owner, sql: `REVOKE ALL ON ${target} FROM PUBLIC;\nREVOKE ALL ON ${target} FROM ${roleName(owner)};` }];
  for (const [grantee, entries] of byGrantee(acl)) out.push({ grantee, sql: grantsFor(target, grantee, entries, '').join('\n') });
  return out;
}

/** Column privileges only ever add to the table's (columns have no default privileges). */
export function columnAcl(target: string, column: string, acl: readonly AclEntry[] | null): GranteeStatements[] {
  if (acl === null) return [];
  return [...byGrantee(acl)].map(([grantee, entries]) => ({ grantee, sql: grantsFor(target, grantee, entries, ` (${column})`).join('\n') }));
}

/** The object-type keyword ALTER DEFAULT PRIVILEGES uses for pg_default_acl.defaclobjtype. */
export function defaultAclObjectType(objtype: string): string | undefined {
  return ({ r: 'TABLES', S: 'SEQUENCES', f: 'FUNCTIONS', T: 'TYPES', n: 'SCHEMAS' } as Record<string, string | undefined>)[objtype];
}

/**
 * ALTER DEFAULT PRIVILEGES statements. A global entry (no schema) replaces the built-in default, so it is
 * written as revoke-all then grant; a per-schema entry only ever adds grants.
 */
export function defaultAcl(role: string, schema: string | null, objtype: string, acl: readonly AclEntry[]): GranteeStatements[] {
  const kind = defaultAclObjectType(objtype);
  if (kind === undefined) return [];
  const prefix = `ALTER DEFAULT PRIVILEGES FOR ROLE ${roleName(role)}${schema === null ? '' : ` IN SCHEMA ${ident(schema)}`}`;
  const groups = byGrantee(acl);
  const grant = (grantee: string | null, entries: readonly AclEntry[]): string[] => {
    const out: string[] = [];
    for (const grantable of [false, true]) {
      const privileges = entries.filter((e) => e.grantable === grantable).map((e) => e.privilege);
      if (privileges.length > 0) out.push(`${prefix} GRANT ${privileges.join(', ')} ON ${kind} TO ${roleName(grantee)}${grantable ? ' WITH GRANT OPTION' : ''};`);
    }
    return out;
  };
  const out: GranteeStatements[] = [];
  if (schema === null) {
    out.push({ grantee: null, sql: [`${prefix} REVOKE ALL ON ${kind} FROM PUBLIC;`, ...grant(null, groups.get(null) ?? [])].join('\n') });
    out.push({ grantee: role, sql: [`${prefix} REVOKE ALL ON ${kind} FROM ${roleName(role)};`, ...grant(role, groups.get(role) ?? [])].join('\n') });
  }
  for (const [grantee, entries] of groups) {
    if (schema === null && (grantee === null || grantee === role)) continue;
    const sql = grant(grantee, entries).join('\n');
    if (sql !== '') out.push({ grantee, sql });
  }
  return out;
}
