/** A session idle for this long is logged out (PCI DSS v4 8.2.8: 15 minutes). */
export const IDLE_TIMEOUT_SECONDS = 15 * 60;

/**
 * The log line of a sign-up Cognito sent no code for (its email quota spent, or a delivery that
 * failed): the customer was answered as any sign-up is, so only this line, alarmed on
 * (src/functions.ts `alarmOnLog`), tells the bank that new customers get no codes.
 */
export const SIGN_UP_CODE_NOT_SENT = 'sign-up code not sent';
