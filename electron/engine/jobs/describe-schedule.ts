// Plain-English summaries of cron patterns ("on weekdays at 18:30", "every 4 hours"), falling back to the pattern itself.

interface FieldValues {
  /** Sorted distinct values the field matches. */
  readonly values: readonly number[];
  /** True when the field matches every value in its range. */
  readonly all: boolean;
}

const monthNames = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const dayNames = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const monthAbbreviations = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const dayAbbreviations = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

function replaceNames(field: string, names: readonly string[], first: number): string {
  return field.toLowerCase().replace(/[a-z]+/g, (name) => {
    const index = names.indexOf(name);
    return index < 0 ? name : String(index + first);
  });
}

/** Expands one cron field; undefined when it uses croner extensions (L, W, #, +) that this summary does not phrase. */
function expandField(field: string, min: number, max: number): FieldValues | undefined {
  const values = new Set<number>();
  for (const item of field.split(',')) {
    const match = /^(?:([*?])|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(item);
    if (!match) return undefined;
    const step = match[4] === undefined ? 1 : Number(match[4]);
    const from = match[1] === undefined ? Number(match[2]) : min;
    const to = match[1] !== undefined ? max : match[3] === undefined ? (match[4] === undefined ? from : max) : Number(match[3]);
    if (step < 1) return undefined;
    for (let v = from; v <= to; v += step) values.add(v);
  }
  const sorted = [...values].sort((a, b) => a - b);
  return { values: sorted, all: sorted.length === max - min + 1 };
}

function expandDaysOfWeek(field: string): FieldValues | undefined {
  const expanded = expandField(replaceNames(field, dayAbbreviations, 0), 0, 7);
  if (expanded === undefined) return undefined;
  const days = [...new Set(expanded.values.map((d) => d % 7))].sort((a, b) => a - b);
  return { values: days, all: days.length === 7 };
}

const pad = (n: number): string => String(n).padStart(2, '0');
const clockTime = (hour: number, minute: number, second = 0): string => `${pad(hour)}:${pad(minute)}${second === 0 ? '' : `:${pad(second)}`}`;

function joinList(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${String(items.at(-1))}`;
}

function ordinal(n: number): string {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}

/** The step of an evenly spaced run of values, when there is one. */
function stepOf(values: readonly number[]): number | undefined {
  const [first, second] = values;
  if (first === undefined || second === undefined) return undefined;
  const step = second - first;
  return values.every((v, i) => v === first + i * step) ? step : undefined;
}

/** The step when the values repeat evenly through the whole range, so "every N" is exact (0, 15, 30, 45 of 60). */
function cyclicStep(values: readonly number[], size: number): number | undefined {
  const step = stepOf(values);
  const first = values[0];
  if (step === undefined || first === undefined) return undefined;
  return size % step === 0 && first < step && values.length === size / step ? step : undefined;
}

type TimePhrase = { readonly kind: 'at' | 'repeating'; readonly text: string };

function describeTimes(seconds: FieldValues, minutes: FieldValues, hours: FieldValues): TimePhrase | undefined {
  const repeating = (text: string): TimePhrase => ({ kind: 'repeating', text });
  if (hours.all && minutes.all) {
    if (seconds.all) return repeating('every second');
    const step = cyclicStep(seconds.values, 60);
    if (step !== undefined && seconds.values[0] === 0) return repeating(`every ${step} seconds`);
  }
  const [second, ...otherSeconds] = seconds.values;
  if (second === undefined || otherSeconds.length > 0) return undefined;

  const listTimes = (): TimePhrase => ({
    kind: 'at',
    text: `at ${joinList(hours.values.flatMap((h) => minutes.values.map((m) => clockTime(h, m, second))))}`,
  });
  const count = minutes.values.length * hours.values.length;
  if (!hours.all && count <= 3) return listTimes();
  if (second !== 0) return count <= 12 ? listTimes() : undefined;

  const [minute, ...otherMinutes] = minutes.values;
  if (minute === undefined) return undefined;
  const minuteStep = cyclicStep(minutes.values, 60);
  const minutePhrase = minutes.all ? 'every minute' : minuteStep === undefined ? undefined : `every ${minuteStep} minutes`;

  if (hours.all) {
    if (minutePhrase !== undefined) return repeating(minute === 0 ? minutePhrase : `${minutePhrase} starting at :${pad(minute)}`);
    if (otherMinutes.length === 0) return repeating(minute === 0 ? 'every hour' : `every hour at :${pad(minute)}`);
    return repeating(`every hour at ${joinList(minutes.values.map((m) => `:${pad(m)}`))}`);
  }

  const firstHour = hours.values[0];
  const lastHour = hours.values.at(-1);
  if (firstHour === undefined || lastHour === undefined) return undefined;
  const hourStep = stepOf(hours.values);
  if (otherMinutes.length === 0 && hourStep !== undefined) {
    if (cyclicStep(hours.values, 24) !== undefined) {
      return repeating(`every ${hourStep} hours${firstHour === 0 && minute === 0 ? '' : ` from ${clockTime(firstHour, minute)}`}`);
    }
    const every = hourStep === 1 ? 'every hour' : `every ${hourStep} hours`;
    return repeating(`${every} from ${clockTime(firstHour, minute)} to ${clockTime(lastHour, minute)}`);
  }
  const lastMinute = minutes.values.at(-1) ?? minute;
  if (minutePhrase !== undefined && hourStep === 1) {
    return repeating(`${minutePhrase} from ${clockTime(firstHour, minute)} to ${clockTime(lastHour, lastMinute)}`);
  }
  return count <= 12 ? listTimes() : undefined;
}

interface DayPhrase {
  /** Leads an "at" phrase: "every Monday", "on weekdays". */
  readonly lead: string;
  /** Follows a repeating phrase: "on Mondays", "on weekdays"; empty when every day. */
  readonly suffix: string;
}

/** Days of the week in display order, Monday first. */
function mondayFirst(days: readonly number[]): number[] {
  return [...days].sort((a, b) => ((a + 6) % 7) - ((b + 6) % 7));
}

function describeWeekdays(days: readonly number[]): DayPhrase {
  const key = days.join(',');
  if (key === '1,2,3,4,5') return { lead: 'on weekdays', suffix: 'on weekdays' };
  if (key === '0,6') return { lead: 'on weekends', suffix: 'on weekends' };
  const ordered = mondayFirst(days);
  const name = (d: number): string => dayNames[d] ?? String(d);
  const [only] = ordered;
  if (only !== undefined && ordered.length === 1) return { lead: `every ${name(only)}`, suffix: `on ${name(only)}s` };
  const positions = ordered.map((d) => (d + 6) % 7);
  const first = ordered[0];
  const last = ordered.at(-1);
  if (first !== undefined && last !== undefined && ordered.length >= 3 && stepOf(positions) === 1) {
    const range = `from ${name(first)} to ${name(last)}`;
    return { lead: `every day ${range}`, suffix: range };
  }
  const list = `on ${joinList(ordered.map((d) => `${name(d)}s`))}`;
  return { lead: list, suffix: list };
}

function describeDays(daysOfMonth: FieldValues, months: FieldValues, daysOfWeek: FieldValues): DayPhrase {
  let phrase: DayPhrase;
  if (daysOfMonth.all && daysOfWeek.all) {
    phrase = { lead: 'every day', suffix: '' };
  } else if (daysOfMonth.all) {
    phrase = describeWeekdays(daysOfWeek.values);
  } else {
    const monthDays = `on the ${joinList(daysOfMonth.values.map(ordinal))} of ${months.all ? 'each' : 'the'} month`;
    // Croner, like Vixie cron, matches either field when both are restricted.
    const text = daysOfWeek.all ? monthDays : `${monthDays} and ${describeWeekdays(daysOfWeek.values).suffix}`;
    phrase = { lead: text, suffix: text };
  }
  if (months.all) return phrase;
  const inMonths = `in ${joinList(months.values.map((m) => monthNames[m - 1] ?? String(m)))}`;
  return { lead: `${phrase.lead} ${inMonths}`, suffix: phrase.suffix === '' ? inMonths : `${phrase.suffix} ${inMonths}` };
}

/** A plain-English summary of a 5- or 6-field cron pattern (without the time zone). */
export function describeCron(cron: string): string {
  const fields = cron.trim().split(/\s+/);
  const [second, minute, hour, dayOfMonth, month, dayOfWeek] = fields.length === 5 ? ['0', ...fields] : fields;
  const fallback = `on the cron schedule "${cron}"`;
  if (fields.length < 5 || fields.length > 6 || second === undefined || minute === undefined || hour === undefined) return fallback;
  if (dayOfMonth === undefined || month === undefined || dayOfWeek === undefined) return fallback;

  const seconds = expandField(second, 0, 59);
  const minutes = expandField(minute, 0, 59);
  const hours = expandField(hour, 0, 23);
  const daysOfMonth = expandField(dayOfMonth, 1, 31);
  const months = expandField(replaceNames(month, monthAbbreviations, 1), 1, 12);
  const daysOfWeek = expandDaysOfWeek(dayOfWeek);
  if (!seconds || !minutes || !hours || !daysOfMonth || !months || !daysOfWeek) return fallback;

  const times = describeTimes(seconds, minutes, hours);
  if (times === undefined) return fallback;
  const days = describeDays(daysOfMonth, months, daysOfWeek);
  if (times.kind === 'at') return `${days.lead} ${times.text}`;
  return days.suffix === '' ? times.text : `${times.text} ${days.suffix}`;
}
