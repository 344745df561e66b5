/** Calendar days as date fields and addresses carry them: `YYYY-MM-DD`. */

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A real calendar day written `YYYY-MM-DD` (not 2026-02-30, which Date.parse would take as 2 March). */
export const isDay = (d: string | undefined | null): d is string => {
  if (!d || !DAY.test(d)) return false;
  const t = Date.parse(`${d}T00:00:00Z`);
  return !Number.isNaN(t) && new Date(t).toISOString().slice(0, 10) === d;
};

/**
 * The day `n` days after `now`'s on the bank's calendar, as `YYYY-MM-DD`. The bank's days are UTC days:
 * it pays a scheduled run once the UTC day of its date has begun, whatever the customer's time zone.
 */
export const utcDayAfter = (n: number, now = new Date()): string =>
  new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + n))
    .toISOString()
    .slice(0, 10);

/**
 * When the bank's day `d` (a UTC day) begins in the customer's own time, as they read it ("16:00 on
 * 7 Dec"), or undefined where their clock says UTC's time then (nothing to add to the date).
 */
export const bankDayStartsLocally = (d: string): string | undefined => {
  const start = new Date(`${d}T00:00:00Z`);
  if (Number.isNaN(start.getTime()) || start.getTimezoneOffset() === 0) return undefined;
  // Made here, not once: the time zone is the one in effect now.
  const time = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' }).format(start);
  return `${time} on ${new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' }).format(start)}`;
};
