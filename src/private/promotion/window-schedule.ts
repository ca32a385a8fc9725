/**
 * A deployment window's cron expression read as CodePipeline's `DeploymentWindow` rule documents
 * it: which minutes of which days are open. Used to refuse expressions the rule would not accept
 * or that never open, and to bound how long a release can wait for its window.
 *
 * @see https://docs.aws.amazon.com/codepipeline/latest/userguide/rule-reference-DeploymentWindow.html
 */

const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const MINUTES_PER_DAY = 24 * 60;
const DAY_MS = MINUTES_PER_DAY * 60 * 1000;

/** How far ahead the window is read: two years, so that a yearly pattern shows its longest gap. */
const HORIZON_DAYS = 2 * 366;

/** A calendar day, as the expression sees it in its time zone. */
interface Day {
  readonly year: number;
  /** 1 to 12. */
  readonly month: number;
  /** 1 to 31. */
  readonly dayOfMonth: number;
  /** 1 (Sunday) to 7 (Saturday). */
  readonly dayOfWeek: number;
  readonly daysInMonth: number;
}

type DayRule = (day: Day) => boolean;

/** The open minutes of an expression. */
export interface WindowSchedule {
  /** Minutes after midnight that are open on an open day, ascending. */
  readonly minutesOfDay: number[];
  /** Whether a day is open. */
  readonly isOpenDay: DayRule;
}

/** How the window opens over the next two years from a given moment. */
export interface WindowOpenings {
  /** Minutes from the given moment to the first open minute; undefined if none is open. */
  readonly firstOpenAfterMinutes?: number;
  /** The longest time, in minutes, from any moment to the next open minute; undefined if none is open. */
  readonly longestClosedMinutes?: number;
  /** The start of the last open minute, when the window stops opening within the two years. */
  readonly lastOpening?: Date;
}

/** Reads the expression's fields; throws, naming the field and its value, for what the rule does not accept. */
export function parseWindowCron(expression: string): WindowSchedule {
  const [, minutes, hours, dayOfMonth, month, dayOfWeek, year] = expression.trim().split(/\s+/);
  const minuteValues = valuesOf('minutes', minutes, 0, 59);
  const hourValues = valuesOf('hours', hours, 0, 23);
  const months = valuesOf('month', month, 1, 12, MONTH_NAMES);
  const years = year === undefined ? undefined : valuesOf('year', year, 1970, 2199);
  const dayOfMonthRule = dayOfMonthRuleOf(dayOfMonth);
  const dayOfWeekRule = dayOfWeekRuleOf(dayOfWeek);
  const ascending = (values: Set<number>) => [...values].sort((a, b) => a - b);
  return {
    minutesOfDay: ascending(hourValues).flatMap((hour) => ascending(minuteValues).map((minute) => hour * 60 + minute)),
    isOpenDay: (day) => months.has(day.month) && (years === undefined || years.has(day.year)) && dayOfMonthRule(day) && dayOfWeekRule(day),
  };
}

/**
 * When the window opens in the two years after `from`, read in the window's own time zone as if
 * it were UTC: the lengths are right to within the hour a daylight saving change moves.
 */
export function windowOpenings(schedule: WindowSchedule, from: Date): WindowOpenings {
  const firstDay = Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate());
  const fromMinute = Math.floor((from.getTime() - firstDay) / 60000);
  const minutes = schedule.minutesOfDay;
  const withinDay = Math.max(0, ...minutes.slice(1).map((minute, index) => minute - minutes[index]));
  let first: number | undefined;
  let last: number | undefined;
  let longest = withinDay;
  for (let index = 0; index < HORIZON_DAYS && minutes.length > 0; index++) {
    const date = new Date(firstDay + index * DAY_MS);
    if (!schedule.isOpenDay(dayOf(date))) continue;
    const open = minutes.map((minute) => index * MINUTES_PER_DAY + minute).filter((minute) => minute >= fromMinute);
    if (open.length === 0) continue;
    // A release that starts now waits for the first opening, later ones for the next.
    longest = Math.max(longest, open[0] - (last ?? fromMinute));
    first = first ?? open[0] - fromMinute;
    last = open[open.length - 1];
  }
  if (first === undefined || last === undefined) return {};
  // Closed for longer at the end of the horizon than ever before it: the window has stopped
  // opening (a year field that ends), as a repeating pattern shows each of its gaps in two years.
  const stopped = HORIZON_DAYS * MINUTES_PER_DAY - last > longest;
  return { firstOpenAfterMinutes: first, longestClosedMinutes: longest, lastOpening: stopped ? new Date(firstDay + last * 60000) : undefined };
}

function dayOf(date: Date): Day {
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth() + 1;
  return {
    year,
    month,
    dayOfMonth: date.getUTCDate(),
    dayOfWeek: date.getUTCDay() + 1,
    daysInMonth: new Date(Date.UTC(year, month, 0)).getUTCDate(),
  };
}

/** The values of a field of `,`-separated `*`, `n`, `n-m`, each with an optional `/step`. */
function valuesOf(field: string, text: string, min: number, max: number, names: string[] = []): Set<number> {
  const values = new Set<number>();
  for (const item of text.split(',')) {
    const [range, stepText, ...extra] = item.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (extra.length > 0 || !Number.isInteger(step) || step < 1) {
      throw new Error(`The ${field} field of a deployment window's cron expression has an invalid step in '${item}'`);
    }
    const [from, to] = range === '*' ? [min, max] : boundsOf(field, range, min, max, names, stepText !== undefined);
    for (let value = from; value <= to; value += step) values.add(value);
  }
  return values;
}

function boundsOf(field: string, range: string, min: number, max: number, names: string[], stepped: boolean): [number, number] {
  const parts = range.split('-');
  if (parts.length > 2) {
    throw new Error(`The ${field} field of a deployment window's cron expression has an invalid range '${range}'`);
  }
  const [from, to] = parts.map((part) => valueOf(field, part, min, max, names));
  if (to !== undefined && to < from) {
    throw new Error(`The ${field} field of a deployment window's cron expression has a range that ends before it starts: '${range}'`);
  }
  // `n/step` runs from n to the end of the field.
  return [from, to ?? (stepped ? max : from)];
}

function valueOf(field: string, text: string, min: number, max: number, names: string[]): number {
  const named = names.indexOf(text.toUpperCase());
  const value = named >= 0 ? named + min : /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(value >= min && value <= max)) {
    const allowed = names.length > 0 ? `${min}-${max} or ${names[0]}-${names[names.length - 1]}` : `${min}-${max}`;
    throw new Error(`The ${field} field of a deployment window's cron expression takes ${allowed}, got '${text}'`);
  }
  return value;
}

/** Day of month: `?`, values, `L` (last day), `L-n` (n days before it), `nW` (nearest weekday), `LW` (last weekday). */
function dayOfMonthRuleOf(text: string): DayRule {
  if (text === '?') return () => true;
  const rules = text.split(',').map((item): DayRule => {
    const beforeLast = /^L(?:-(\d+))?$/.exec(item);
    if (beforeLast) {
      const offset = Number(beforeLast[1] ?? 0);
      if (offset > 30) throw new Error(`The day-of-month field of a deployment window's cron expression takes L-0 to L-30, got '${item}'`);
      return (day) => day.dayOfMonth === day.daysInMonth - offset;
    }
    if (item === 'LW') return (day) => day.dayOfMonth === nearestWeekday(day, day.daysInMonth);
    const weekday = /^(\d+)W$/.exec(item);
    if (weekday) {
      const target = valueOf('day-of-month', weekday[1], 1, 31, []);
      return (day) => day.dayOfMonth === nearestWeekday(day, Math.min(target, day.daysInMonth));
    }
    const values = valuesOf('day-of-month', item, 1, 31);
    return (day) => values.has(day.dayOfMonth);
  });
  return (day) => rules.some((rule) => rule(day));
}

/** Day of week: `?`, values (1 is Sunday), `L` (Saturday), `nL` (last such day of the month), `n#k` (k-th such day). */
function dayOfWeekRuleOf(text: string): DayRule {
  if (text === '?') return () => true;
  const rules = text.split(',').map((item): DayRule => {
    if (item === 'L') return (day) => day.dayOfWeek === 7;
    const last = /^(\w+)L$/.exec(item);
    if (last) {
      const weekday = valueOf('day-of-week', last[1], 1, 7, DAY_NAMES);
      return (day) => day.dayOfWeek === weekday && day.dayOfMonth + 7 > day.daysInMonth;
    }
    const nth = /^(\w+)#(\d+)$/.exec(item);
    if (nth) {
      const weekday = valueOf('day-of-week', nth[1], 1, 7, DAY_NAMES);
      const occurrence = Number(nth[2]);
      if (occurrence < 1 || occurrence > 5) throw new Error(`The day-of-week field of a deployment window's cron expression takes #1 to #5, got '${item}'`);
      return (day) => day.dayOfWeek === weekday && Math.ceil(day.dayOfMonth / 7) === occurrence;
    }
    const values = valuesOf('day-of-week', item, 1, 7, DAY_NAMES);
    return (day) => values.has(day.dayOfWeek);
  });
  return (day) => rules.some((rule) => rule(day));
}

/** The weekday nearest to `target` in the day's month, without leaving the month. */
function nearestWeekday(day: Day, target: number): number {
  const weekdayOfTarget = ((day.dayOfWeek - 1 + target - day.dayOfMonth) % 7 + 7) % 7 + 1;
  if (weekdayOfTarget === 7) return target === 1 ? 3 : target - 1;
  if (weekdayOfTarget === 1) return target === day.daysInMonth ? target - 2 : target + 1;
  return target;
}
