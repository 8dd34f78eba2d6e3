// The schedule builder's model: presets a person picks from, the engine schedule text each one means, and the way back from text to preset.

export const schedulePresets = ['daily', 'weekdays', 'weekly', 'hourly', 'custom'] as const;
export type SchedulePreset = (typeof schedulePresets)[number];

/** Hour steps the engine accepts for "every N hours" (each divides a day evenly). */
export const hourSteps = [1, 2, 3, 4, 6, 8, 12] as const;
export type HourStep = (typeof hourSteps)[number];

export interface ScheduleDraft {
  readonly preset: SchedulePreset;
  /** 24-hour "HH:MM". */
  readonly time: string;
  /** 0 = Sunday … 6 = Saturday. */
  readonly weekday: number;
  readonly everyHours: HourStep;
  /** Free text for the custom preset: a cron pattern or one of the engine's plain forms. */
  readonly custom: string;
}

export const defaultScheduleDraft: ScheduleDraft = { preset: 'daily', time: '02:00', weekday: 1, everyHours: 4, custom: '' };

const englishDays = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;

export function isValidTime(time: string): boolean {
  const match = /^(\d{2}):(\d{2})$/.exec(time);
  return match !== null && Number(match[1]) < 24 && Number(match[2]) < 60;
}

/** The schedule as the engine stores it (its plain English forms, which it also parses). */
export function scheduleText(draft: ScheduleDraft): string {
  switch (draft.preset) {
    case 'daily':
      return `every day at ${draft.time}`;
    case 'weekdays':
      return `weekdays at ${draft.time}`;
    case 'weekly':
      return `every ${englishDays[draft.weekday] ?? 'monday'} at ${draft.time}`;
    case 'hourly':
      return draft.everyHours === 1 ? 'every hour' : `every ${draft.everyHours} hours`;
    case 'custom':
      return draft.custom.trim();
  }
}

/** Reads back a schedule this builder wrote; anything else opens as custom text so nothing is lost. */
export function draftFromText(text: string): ScheduleDraft {
  const t = text.trim().toLowerCase().replace(/\s+/g, ' ');
  const at = /^(every day|weekdays|every (sunday|monday|tuesday|wednesday|thursday|friday|saturday)) at (\d{2}:\d{2})$/.exec(t);
  if (at && isValidTime(at[3] ?? '')) {
    const time = at[3] ?? defaultScheduleDraft.time;
    if (at[1] === 'every day') return { ...defaultScheduleDraft, preset: 'daily', time };
    if (at[1] === 'weekdays') return { ...defaultScheduleDraft, preset: 'weekdays', time };
    const weekday = englishDays.indexOf((at[2] ?? 'monday') as (typeof englishDays)[number]);
    return { ...defaultScheduleDraft, preset: 'weekly', time, weekday };
  }
  if (t === 'every hour') return { ...defaultScheduleDraft, preset: 'hourly', everyHours: 1 };
  const hours = /^every (\d+) hours$/.exec(t);
  const step = hourSteps.find((h) => h === Number(hours?.[1]));
  if (step !== undefined) return { ...defaultScheduleDraft, preset: 'hourly', everyHours: step };
  return { ...defaultScheduleDraft, preset: 'custom', custom: text };
}

/** A problem the builder can name before asking the engine, or undefined. */
export function draftProblem(draft: ScheduleDraft): 'time' | 'custom-empty' | undefined {
  if ((draft.preset === 'daily' || draft.preset === 'weekdays' || draft.preset === 'weekly') && !isValidTime(draft.time)) return 'time';
  if (draft.preset === 'custom' && draft.custom.trim() === '') return 'custom-empty';
  return undefined;
}

/** "02:00" shown the local way ("2:00 AM", "٢:٠٠ ص"). */
export function localTime(time: string, locale: string): string {
  const [h, m] = time.split(':').map(Number);
  return new Intl.DateTimeFormat(locale, { timeStyle: 'short' }).format(new Date(2001, 0, 1, h ?? 0, m ?? 0));
}

/** The weekday's name in the locale (7 January 2001 was a Sunday). */
export function weekdayName(weekday: number, locale: string): string {
  return new Intl.DateTimeFormat(locale, { weekday: 'long' }).format(new Date(2001, 0, 7 + weekday));
}
