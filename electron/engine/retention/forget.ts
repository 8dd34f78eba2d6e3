// `forget`: applies a retention policy to each group of snapshots (same host, kind and sources) and removes the rest.

import { AirlockError } from '../errors.ts';
import type { Repository } from '../repo/repository.ts';
import type { Snapshot } from '../repo/snapshot.ts';
import { applyRetention, isEmptyPolicy, type RetentionPolicy } from './policy.ts';

export interface ForgetDecision {
  readonly snapshot: Snapshot;
  readonly keep: boolean;
  readonly reasons: readonly string[];
}

export interface ForgetGroup {
  readonly key: string;
  readonly decisions: readonly ForgetDecision[];
}

/** Snapshots of different things are never weighed against each other: the daily backup of /docs does not make the one of /photos redundant. */
export function groupKey(s: Snapshot): string {
  return JSON.stringify([s.hostname, s.kind, s.sources]);
}

export async function forgetSnapshots(repo: Repository, policy: RetentionPolicy, options: { dryRun: boolean; timeZone?: string | undefined }): Promise<ForgetGroup[]> {
  if (isEmptyPolicy(policy)) {
    throw new AirlockError('USAGE', 'No retention rule given, and Airlock will not forget every snapshot. Add rules such as --keep-daily 7 --keep-weekly 4.');
  }
  const lock = options.dryRun ? undefined : await repo.lock('exclusive', 'forget');
  try {
    const groups = new Map<string, Snapshot[]>();
    for (const s of await repo.listSnapshots()) {
      const key = groupKey(s);
      groups.set(key, [...(groups.get(key) ?? []), s]);
    }
    const out: ForgetGroup[] = [];
    const now = repo.now();
    for (const [key, snaps] of groups) {
      const byId = new Map(snaps.map((s) => [s.id, s]));
      const decisions = applyRetention(snaps.map((s) => ({ id: s.id, time: new Date(s.time), tags: s.tags })), policy, now, options.timeZone).map((d) => ({
        snapshot: byId.get(d.id) as Snapshot,
        keep: d.keep,
        reasons: d.reasons,
      }));
      out.push({ key, decisions });
    }
    if (!options.dryRun) {
      for (const group of out) for (const d of group.decisions) if (!d.keep) await repo.removeSnapshot(d.snapshot.id);
    }
    return out;
  } finally {
    await lock?.release();
  }
}
