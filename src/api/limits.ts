/**
 * API Gateway HTTP API's integration timeout (its maximum): it stops waiting this long after the
 * request arrived (`requestContext.timeEpoch`), a cold start's init included, and answers 503 itself.
 * A handler behind it must answer before then, whatever its Lambda timeout (src/api/http.ts); the
 * local gateway keeps the same limit (src/local/invoke.ts).
 */
export const HTTP_API_TIMEOUT_MS = 30_000;
