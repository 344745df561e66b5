/** A session idle for this long is logged out (PCI DSS v4 8.2.8: 15 minutes). */
export const IDLE_TIMEOUT_SECONDS = 15 * 60;
