// The retention builder's model: how many backups to keep per period, the engine policy that means, and the engine's keep-reasons in words.

export const retentionRules = ['keepLast', 'keepDaily', 'keepWeekly', 'keepMonthly', 'keepYearly'] as const;
export type RetentionRule = (typeof retentionRules)[number];

/** 0 means the rule is off. */
export type RetentionDraft = Readonly<Record<RetentionRule, number>>;

export type RetentionPolicyOut = Partial<Record<RetentionRule, number>>;

export const retentionPresets = {
  /** A sensible default: a week of days, a month of weeks, a year of months. */
  standard: { keepLast: 3, keepDaily: 7, keepWeekly: 4, keepMonthly: 12, keepYearly: 0 },
  /** For data that changes slowly: fewer, longer-lived backups. */
  longTerm: { keepLast: 3, keepDaily: 7, keepWeekly: 8, keepMonthly: 24, keepYearly: 5 },
  /** Small drives: just the recent past. */
  small: { keepLast: 3, keepDaily: 7, keepWeekly: 0, keepMonthly: 0, keepYearly: 0 },
} as const satisfies Record<string, RetentionDraft>;
export type RetentionPresetName = keyof typeof retentionPresets;

export function draftFromPolicy(policy: Partial<Record<string, unknown>> | undefined): RetentionDraft {
  const count = (rule: RetentionRule): number => {
    const v = policy?.[rule];
    return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : 0;
  };
  if (policy === undefined) return retentionPresets.standard;
  return { keepLast: count('keepLast'), keepDaily: count('keepDaily'), keepWeekly: count('keepWeekly'), keepMonthly: count('keepMonthly'), keepYearly: count('keepYearly') };
}

/** The policy the engine stores: rules set to 0 are left out, as the engine reads a missing rule as off. */
export function policyFromDraft(draft: RetentionDraft): RetentionPolicyOut {
  const out: RetentionPolicyOut = {};
  for (const rule of retentionRules) if (draft[rule] > 0) out[rule] = draft[rule];
  return out;
}

/** A policy that keeps nothing would let the engine forget every backup; the builder refuses it. */
export function keepsNothing(draft: RetentionDraft): boolean {
  return retentionRules.every((rule) => draft[rule] <= 0);
}

export function presetOf(draft: RetentionDraft): RetentionPresetName | 'custom' {
  for (const [name, preset] of Object.entries(retentionPresets) as [RetentionPresetName, RetentionDraft][]) {
    if (retentionRules.every((rule) => preset[rule] === draft[rule])) return name;
  }
  return 'custom';
}

export type KeepReason =
  | { readonly kind: 'last' | 'hourly' | 'daily' | 'weekly' | 'monthly' | 'yearly'; readonly rank: number }
  | { readonly kind: 'within'; readonly span: string }
  | { readonly kind: 'tag'; readonly tag: string }
  | { readonly kind: 'latest' }
  | { readonly kind: 'other'; readonly text: string };

/** Reads the engine's reason strings ("daily #3", "within 7d", "tag x", "latest") so they can be said in the reader's language. */
export function parseKeepReason(reason: string): KeepReason {
  const counted = /^(last|hourly|daily|weekly|monthly|yearly) #(\d+)$/.exec(reason);
  if (counted) return { kind: counted[1] as 'last', rank: Number(counted[2]) };
  if (reason === 'latest') return { kind: 'latest' };
  const within = /^within (.+)$/.exec(reason);
  if (within) return { kind: 'within', span: within[1] ?? '' };
  const tag = /^tag (.+)$/.exec(reason);
  if (tag) return { kind: 'tag', tag: tag[1] ?? '' };
  return { kind: 'other', text: reason };
}
