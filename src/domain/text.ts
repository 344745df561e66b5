/**
 * What a customer's text (a name, a description, a note) may not hold: Unicode control characters and
 * bidi overrides. One rule for the API's schemas (src/api/schemas/primitives.ts `safeText`) and the
 * web client's checks of a bulk payment's rows (web/src/batch.ts), which refuse it before sending.
 */
export const UNSAFE_TEXT = /[\p{Cc}\u202A-\u202E\u2066-\u2069]/u;

/**
 * A lone surrogate (with the `u` flag a well-formed pair is one code point, never `Cs`): what
 * String.prototype.isWellFormed refuses, for a build that does not bring it (ES2024).
 */
export const LONE_SURROGATE = /\p{Cs}/u;
