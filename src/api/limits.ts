/**
 * API Gateway HTTP API's integration timeout (its maximum): it stops waiting this long after the
 * request arrived (`requestContext.timeEpoch`), a cold start's init included, and answers 503 itself.
 * A handler behind it must answer before then, whatever its Lambda timeout (src/api/http.ts); the
 * local gateway keeps the same limit (src/local/invoke.ts).
 */
export const HTTP_API_TIMEOUT_MS = 30_000;

/**
 * A problem's `errors` (src/api/schemas/problem.ts): at most this many, each `path` at most this long.
 * A validation_failed problem lists the first ones and clips a path (a record's key is echoed in it).
 */
export const PROBLEM_MAX_ERRORS = 100;
export const PROBLEM_MAX_PATH = 256;
/** Each of a problem's `errors` says what is wrong in at most this many characters. */
export const PROBLEM_MAX_MESSAGE = 512;
