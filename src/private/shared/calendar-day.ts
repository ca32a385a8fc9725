/**
 * When a day given as `YYYY-MM-DD` starts, at midnight UTC, in milliseconds since the epoch: NaN
 * when the text is not a day that exists.
 */
export function startOfDay(day: string): number {
  const start = Date.parse(`${day}T00:00:00Z`);
  // Date rolls a day past the month's end over into the next month: 2027-02-30 is 2027-03-02.
  return /^\d{4}-\d{2}-\d{2}$/.test(day) && !isNaN(start) && new Date(start).toISOString().startsWith(day) ? start : NaN;
}

/** Whether the text is a day that exists, as `YYYY-MM-DD`. */
export function isCalendarDay(text: string): boolean {
  return !isNaN(startOfDay(text));
}
