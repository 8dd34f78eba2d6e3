// The simple English schedule forms ("every day at 02:00", "every 4 hours", "hourly from 8 to 18") and the cron patterns they map to.

import { AirlockError } from '../errors.ts';

export const acceptedForms =
  'Write a cron expression with 5 fields (minute hour day-of-month month day-of-week, e.g. "30 2 * * *") or 6 with seconds first, ' +
  'or one of these forms: "every day at 02:00", "weekdays at 18:30", "every monday at 07:15", "every monday and thursday at 7pm", ' +
  '"every 4 hours", "every 30 minutes", "hourly from 8 to 18", optionally followed by "on weekdays" or day names ("every 30 minutes from 8 to 18 on weekdays").';

const dayName = '(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?s?';
const listSeparator = '(?:\\s*,\\s*(?:and\\s+)?|\\s+and\\s+|\\s*&\\s*)';
const dayList = `${dayName}(?:${listSeparator}${dayName})*`;
const daySpec = `(?:(?:every|each|on)\\s+)?(?:days?|daily|weekdays?|working\\s+days?|workdays?|weekends?|weekend\\s+days?|${dayList})`;
const time = '(?:noon|midnight|\\d{1,2}(?:[:.h]\\d{2})?(?:\\s*[ap]\\.?m\\.?)?)';
const timeList = `${time}(?:${listSeparator}${time})*`;
const windowSeparator = '(?:\\s*[-–]\\s*|\\s+(?:to|until|till)\\s+)';

const daysThenTimes = new RegExp(`^(?<days>${daySpec})\\s+at\\s+(?<times>${timeList})$`);
const timesThenDays = new RegExp(`^(?:at\\s+)?(?<times>${timeList})\\s+(?<days>${daySpec})$`);
const interval = new RegExp(
  '^(?:every\\s+(?<count>\\d+)\\s*(?<unit>minutes?|mins?|m|hours?|hrs?|h)|every\\s+(?<single>minute|hour)|(?<hourly>hourly))' +
    `(?:\\s+(?:from\\s+(?<from>${time})${windowSeparator}(?<to>${time})|between\\s+(?<from2>${time})\\s+and\\s+(?<to2>${time})))?` +
    `(?:\\s+(?<days>${daySpec}))?$`,
);

const weekdayNumbers: Readonly<Record<string, number>> = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };

interface TimeOfDay {
  readonly hour: number;
  readonly minute: number;
}

function usage(message: string): AirlockError {
  return new AirlockError('USAGE', message);
}

function parseTimeOfDay(text: string): TimeOfDay {
  if (text === 'noon') return { hour: 12, minute: 0 };
  if (text === 'midnight') return { hour: 0, minute: 0 };
  const match = /^(\d{1,2})(?:[:.h](\d{2}))?\s*(?:([ap])\.?m\.?)?$/.exec(text);
  const bad = usage(`"${text}" is not a time of day. Write 24-hour times such as 02:00 or 18:30, or 12-hour times such as 6:30pm.`);
  if (!match) throw bad;
  let hour = Number(match[1]);
  const minute = match[2] === undefined ? 0 : Number(match[2]);
  const meridiem = match[3];
  if (minute > 59) throw bad;
  if (meridiem === undefined) {
    if (hour > 23) throw bad;
  } else {
    if (hour < 1 || hour > 12) throw bad;
    hour = (hour % 12) + (meridiem === 'p' ? 12 : 0);
  }
  return { hour, minute };
}

function splitList(text: string): string[] {
  return text.split(new RegExp(listSeparator)).filter((part) => part !== '');
}

/** The cron day-of-week field for a day phrase ("every day", "weekdays", "monday and friday"). */
function dayOfWeekField(spec: string): string {
  const rest = spec.replace(/^(?:every|each|on)\s+/, '');
  if (/^(?:days?|daily)$/.test(rest)) return '*';
  if (/^(?:weekdays?|working\s+days?|workdays?)$/.test(rest)) return '1-5';
  if (/^(?:weekends?|weekend\s+days?)$/.test(rest)) return '0,6';
  const days = new Set<number>();
  for (const name of splitList(rest)) {
    const day = weekdayNumbers[name.slice(0, 3)];
    if (day === undefined) throw usage(`"${name}" is not a day of the week. ${acceptedForms}`);
    days.add(day);
  }
  if (days.size === 7) return '*';
  return [...days].sort((a, b) => a - b).join(',');
}

/** Several times in one pattern only work when they share the hour or the minute; otherwise cron would add combinations. */
function timesFields(text: string): { minute: string; hour: string } {
  const times = splitList(text).map(parseTimeOfDay);
  const minutes = [...new Set(times.map((t) => t.minute))].sort((a, b) => a - b);
  const hours = [...new Set(times.map((t) => t.hour))].sort((a, b) => a - b);
  if (minutes.length > 1 && hours.length > 1) {
    throw usage(`"${text}" lists times with different hours and minutes, which one schedule cannot hold. List times that share the minute (02:00 and 14:00), or use one job per time.`);
  }
  return { minute: minutes.join(','), hour: hours.join(',') };
}

const minuteSteps = [1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30];
const hourSteps = [1, 2, 3, 4, 6, 8, 12];

/** Hours from `from` stepping by `step` while not past `to` (inclusive), wrapping past midnight. */
function hoursInWindow(from: number, to: number, step: number): number[] {
  const span = (to - from + 24) % 24;
  const hours: number[] = [];
  for (let offset = 0; offset <= span; offset += step) hours.push((from + offset) % 24);
  return hours;
}

function hourField(hours: readonly number[], step: number): string {
  const first = hours[0];
  const last = hours.at(-1);
  if (first === undefined || last === undefined) throw new Error('simple schedule: empty hour window');
  if (hours.length === 1) return String(first);
  if (last > first) return step === 1 ? `${first}-${last}` : `${first}-${last}/${step}`;
  // A window across midnight has no single range in cron: list the hours.
  return [...hours].sort((a, b) => a - b).join(',');
}

function intervalToCron(groups: Readonly<Record<string, string | undefined>>): string {
  const unitText = groups.unit ?? groups.single ?? 'hour';
  let count = groups.count === undefined ? 1 : Number(groups.count);
  let minutes = /^m/.test(unitText);
  if (minutes && count === 60) {
    minutes = false;
    count = 1;
  }
  if (count === 0) throw usage('A schedule cannot repeat every 0 units. Use a number of minutes or hours of 1 or more.');
  if (minutes && !minuteSteps.includes(count)) {
    throw usage(`"every ${count} minutes" does not divide an hour evenly, so the runs would drift each hour. Use one of ${minuteSteps.join(', ')} minutes, whole hours, or a cron expression.`);
  }
  if (!minutes && !hourSteps.includes(count)) {
    const hint = count === 24 ? ' For once a day, write "every day at 02:00".' : '';
    throw usage(`"every ${count} hours" does not divide a day evenly, so the runs would not repeat each day. Use one of ${hourSteps.join(', ')} hours, or a cron expression.${hint}`);
  }
  const daysField = groups.days === undefined ? '*' : dayOfWeekField(groups.days);
  const fromText = groups.from ?? groups.from2;
  const toText = groups.to ?? groups.to2;

  if (fromText === undefined || toText === undefined) {
    if (minutes) return `${count === 1 ? '*' : `*/${count}`} * * * ${daysField}`;
    return `0 ${count === 1 ? '*' : `*/${count}`} * * ${daysField}`;
  }
  const from = parseTimeOfDay(fromText);
  const to = parseTimeOfDay(toText);
  if (from.hour === to.hour && from.minute === to.minute) {
    throw usage(`The window "from ${fromText} to ${toText}" is empty. Give a start and an end time that differ.`);
  }
  if (minutes) {
    // The end of a minute window is exclusive: "from 8 to 18" runs 08:00 … 17:30, never starting at the end time.
    if (from.minute !== 0 || to.minute !== 0) {
      throw usage(`A window for a schedule in minutes must start and end on whole hours (such as "from 8 to 18"), not "${fromText}" to "${toText}".`);
    }
    const lastHour = (to.hour + 23) % 24;
    return `${count === 1 ? '*' : `*/${count}`} ${hourField(hoursInWindow(from.hour, lastHour, 1), 1)} * * ${daysField}`;
  }
  if (from.minute !== to.minute) {
    throw usage(`An hourly window must start and end at the same minute past the hour (such as "from 8:30 to 17:30"), not "${fromText}" to "${toText}".`);
  }
  return `${from.minute} ${hourField(hoursInWindow(from.hour, to.hour, count), count)} * * ${daysField}`;
}

/**
 * Maps a simple form to a 5-field cron pattern. `text` must already be lower-case with single spaces.
 * Returns undefined when the text is not a simple form at all; throws USAGE when it is one with a bad value.
 */
export function simpleFormToCron(text: string): string | undefined {
  const fixed = daysThenTimes.exec(text) ?? timesThenDays.exec(text);
  if (fixed?.groups) {
    const { days, times } = fixed.groups;
    if (days === undefined || times === undefined) return undefined;
    const { minute, hour } = timesFields(times);
    return `${minute} ${hour} * * ${dayOfWeekField(days)}`;
  }
  const repeating = interval.exec(text);
  if (repeating?.groups) return intervalToCron(repeating.groups);
  return undefined;
}
