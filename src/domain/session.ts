/** A session idle for this long is logged out (PCI DSS v4 8.2.8: 15 minutes). */
export const IDLE_TIMEOUT_SECONDS = 15 * 60;

/**
 * The idle timeout, held by the server too (the web client's timer alone is not a control: a refresh
 * token lifted from a tab, or brought back with a restored browser session, renewed for its 12 hours
 * however long it sat unused). A session's refresh token renews nothing once `IDLE_TIMEOUT_SECONDS`
 * have passed since the last access token it gave expired (`accessExp`, epoch seconds): a page that
 * is open renews a minute before each expiry (web/src/session.ts), and one whose timers a sleeping or
 * hidden tab held back ends its session itself past the idle timeout (web/src/idle.ts), so no page
 * still in use waits longer. Epoch seconds.
 */
export const renewableUntil = (accessExp: number): number => accessExp + IDLE_TIMEOUT_SECONDS;

/** Whether a refresh token renewable until `until` (`renewableUntil`; absent on one issued before it was kept) may renew at `nowMs`. */
export const renewable = (until: number | undefined, nowMs: number): boolean =>
  until === undefined || nowMs / 1000 <= until;

/**
 * The log line of a sign-up Cognito sent no code for (its email quota spent, or a delivery that
 * failed): the customer was answered as any sign-up is, so only this line, alarmed on
 * (src/functions.ts `alarmOnLog`), tells the bank that new customers get no codes.
 */
export const SIGN_UP_CODE_NOT_SENT = 'sign-up code not sent';
