// Audit entries for what a person did at the command line: who (user@host) and what, appended to the catalog's hash-chained log.

import { hostname, userInfo } from 'node:os';
import type { AuditAppend } from '../engine/catalog/catalog.ts';
import type { JsonObject } from '../engine/health/canonical-json.ts';
import type { CommandContext } from './command.ts';

/** Who did it, for the audit log: "cli:alice@front-desk". */
export function cliActor(): string {
  let user = '';
  try {
    user = userInfo().username;
  } catch {
    // No user name (a container without passwd entry): the host still says where.
  }
  return `cli:${user === '' ? '' : `${user}@`}${hostname()}`;
}

/** Any value as audit details: a JSON round trip leaves exactly what the log can hash (no undefined, no Dates). */
export function asDetails(value: unknown): JsonObject {
  return JSON.parse(JSON.stringify(value)) as JsonObject;
}

/**
 * Appends an entry for a command that changed something. The work is already done, so a catalog that cannot be
 * opened or written is a warning, not a failure of the command; nothing secret may be in `details`.
 */
export async function auditCommand(ctx: Pick<CommandContext, 'catalog' | 'warn'>, entry: Omit<AuditAppend, 'actor' | 'details'> & { readonly details: unknown }): Promise<void> {
  const catalog = await ctx.catalog();
  if (catalog === undefined) return;
  try {
    catalog.appendAudit({ actor: cliActor(), action: entry.action, target: entry.target, details: asDetails(entry.details), ...(entry.time === undefined ? {} : { time: entry.time }) });
  } catch (err) {
    ctx.warn(`the audit log could not record this ${entry.action} (${err instanceof Error ? err.message : String(err)}).`);
  }
}
