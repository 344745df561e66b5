/** Calendar days as date fields and addresses carry them: `YYYY-MM-DD`. */

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A real calendar day written `YYYY-MM-DD` (not 2026-02-30, which Date.parse would take as 2 March). */
export const isDay = (d: string | undefined | null): d is string => {
  if (!d || !DAY.test(d)) return false;
  const t = Date.parse(`${d}T00:00:00Z`);
  return !Number.isNaN(t) && new Date(t).toISOString().slice(0, 10) === d;
};
