/** Calendar days as date fields and addresses carry them: `YYYY-MM-DD`. */

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A real calendar day written `YYYY-MM-DD` (not 2026-02-30, which Date.parse would take as 2 March). */
export const isDay = (d: string | undefined | null): d is string => {
  if (!d || !DAY.test(d)) return false;
  const t = Date.parse(`${d}T00:00:00Z`);
  return !Number.isNaN(t) && new Date(t).toISOString().slice(0, 10) === d;
};

const pad = (n: number) => String(n).padStart(2, '0');

/** The day `n` days after `now`'s, in the customer's time zone, as `YYYY-MM-DD` (a date field's value). */
export const localDayAfter = (n: number, now = new Date()): string => {
  const d = new Date(now);
  d.setDate(d.getDate() + n);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
};
