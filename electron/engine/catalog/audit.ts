// The audit log's storage: appending hash-chained entries one at a time, reading them back, and verifying the chain.

import type Database from 'better-sqlite3';
import * as z from 'zod';
import { appendEntry, genesisHash, verifyChain, type AuditEntry, type AuditEntryInput, type ChainVerification } from '../health/audit-chain.ts';
import { canonicalJson, type JsonObject } from '../health/canonical-json.ts';
import { parseRow } from './stored-rows.ts';

export interface AuditRecord extends AuditEntry {
  /** Its place in the log, from 1; never reused. */
  readonly seq: number;
}

export type AuditAppend = Omit<AuditEntryInput, 'time'> & { readonly time?: Date };

export type AuditVerification =
  | (Extract<ChainVerification, { ok: true }> & { readonly headSeq: number | null })
  | (Extract<ChainVerification, { ok: false }> & {
      /** The sequence number of the first entry that breaks the chain; null when entries are missing at the end. */
      readonly seq: number | null;
    });

export interface AuditStore {
  /** Appends one entry after the newest; concurrent writers (the daemon, a CLI) queue behind each other. */
  appendAudit(entry: AuditAppend): AuditRecord;
  /** Oldest first; `limit` keeps the newest that many. */
  listAudit(query?: { readonly limit?: number }): AuditRecord[];
  /** Walks the whole log and checks every link, and that it still ends at the newest hash recorded on append. */
  verifyAudit(): AuditVerification;
}

const rowSchema = z.object({
  seq: z.int(),
  time: z.string(),
  actor: z.string(),
  action: z.string(),
  target: z.string(),
  details: z.string(),
  prev_hash: z.string(),
  hash: z.string(),
});

const headSchema = z.object({ seq: z.int(), hash: z.string() });
/** Where the newest hash is also kept, so that entries cut off the end of the log show. */
const headKey = 'audit.head';

const columns = 'seq, time, actor, action, target, details, prev_hash, hash';

function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export interface AuditStoreDeps {
  readonly db: Database.Database;
  readonly path: string;
  readonly now: () => Date;
}

export function createAuditStore({ db, path, now }: AuditStoreDeps): AuditStore {
  const selectLast = db.prepare(`SELECT ${columns} FROM audit ORDER BY seq DESC LIMIT 1`);
  const insert = db.prepare(
    `INSERT INTO audit (time, actor, action, target, details, prev_hash, hash) VALUES (@time, @actor, @action, @target, @details, @prevHash, @hash)`,
  );
  const upsertHead = db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
  const selectHead = db.prepare('SELECT value FROM settings WHERE key = ?').pluck();
  const selectAll = db.prepare(`SELECT ${columns} FROM audit ORDER BY seq`);
  const selectNewest = db.prepare(`SELECT ${columns} FROM (SELECT ${columns} FROM audit ORDER BY seq DESC LIMIT ?) ORDER BY seq`);

  const toRecord = (row: unknown): AuditRecord => {
    const r = parseRow(rowSchema, row, path, 'an audit entry');
    let details: JsonObject;
    try {
      const parsed: unknown = JSON.parse(r.details);
      // A damaged row still has to be listed (and then reported by verify), so anything odd becomes a marker.
      details = isJsonObject(parsed) ? parsed : { unreadable: r.details };
    } catch {
      details = { unreadable: r.details };
    }
    return { seq: r.seq, time: r.time, actor: r.actor, action: r.action, target: r.target, details, prevHash: r.prev_hash, hash: r.hash };
  };

  const append = db.transaction((input: AuditAppend): AuditRecord => {
    const last = selectLast.get();
    const prevHash = last === undefined ? genesisHash : toRecord(last).hash;
    const entry = appendEntry(prevHash, { ...input, time: input.time ?? now() });
    const info = insert.run({ ...entry, details: canonicalJson(entry.details) });
    const seq = Number(info.lastInsertRowid);
    upsertHead.run(headKey, JSON.stringify({ seq, hash: entry.hash }));
    return { ...entry, seq };
  });

  const recordedHead = (): { seq: number; hash: string } | undefined => {
    const text: unknown = selectHead.get(headKey);
    if (typeof text !== 'string') return undefined;
    try {
      const parsed = headSchema.safeParse(JSON.parse(text));
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined;
    }
  };

  return {
    appendAudit(entry) {
      return append.immediate(entry);
    },
    listAudit(query = {}) {
      const limit = query.limit;
      if (limit === undefined) return selectAll.all().map(toRecord);
      if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`listAudit: limit must be a positive integer, got ${limit}`);
      return selectNewest.all(limit).map(toRecord);
    },
    verifyAudit() {
      // Read in one transaction, so that an entry appended meanwhile cannot look like a mismatch with the head.
      return db.transaction((): AuditVerification => {
        const records = selectAll.all().map(toRecord);
        const head = recordedHead();
        const result = verifyChain(records, head === undefined ? {} : { expectedHead: head.hash });
        if (result.ok) return { ...result, headSeq: records.at(-1)?.seq ?? null };
        return { ...result, seq: records[result.index]?.seq ?? null };
      })();
    },
  };
}
