// Restoring a MySQL/MariaDB or PostgreSQL snapshot into a database, and exporting it as plain SQL.

import type { Writable } from 'node:stream';
import { AirlockError } from '../errors.ts';
import type { Repository } from '../repo/repository.ts';
import type { Snapshot } from '../repo/snapshot.ts';
import { snapshotDumpReader } from '../repo/stream-tree.ts';
import type { DatabaseConnection } from '../sources/database-url.ts';
import { driverFor, type RestoreOutcome, type RestoreRequest } from '../sources/databases.ts';

export function isDatabaseSnapshot(snap: Snapshot): snap is Snapshot & { kind: 'mysql' | 'postgres' } {
  return snap.kind === 'mysql' || snap.kind === 'postgres';
}

function requireKind(snap: Snapshot, kind: 'mysql' | 'postgres' | undefined): 'mysql' | 'postgres' {
  if (!isDatabaseSnapshot(snap)) throw new AirlockError('USAGE', `Snapshot ${snap.id.slice(0, 8)} is a ${snap.kind} backup, not a MySQL/MariaDB or PostgreSQL database.`);
  if (kind !== undefined && kind !== snap.kind) {
    throw new AirlockError('USAGE', `Snapshot ${snap.id.slice(0, 8)} is a ${snap.kind === 'mysql' ? 'MySQL/MariaDB' : 'PostgreSQL'} backup; restore it to a ${snap.kind}:// address.`);
  }
  return snap.kind;
}

export async function restoreDatabase(repo: Repository, snap: Snapshot, target: DatabaseConnection, request: RestoreRequest): Promise<RestoreOutcome> {
  const kind = requireKind(snap, target.kind);
  if (target.database === undefined) throw new AirlockError('USAGE', 'Name the database to restore into at the end of the address, e.g. …/shop_restored. A new name is safest.');
  return driverFor(kind).restore(await snapshotDumpReader(repo, snap.tree), target, request);
}

export async function exportDatabaseSql(repo: Repository, snap: Snapshot, out: Writable, options: { readonly tables?: readonly string[]; readonly signal?: AbortSignal }): Promise<void> {
  await driverFor(requireKind(snap, undefined)).exportSql(await snapshotDumpReader(repo, snap.tree), out, options);
}
