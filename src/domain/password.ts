/**
 * The password policy (PCI DSS v4 8.3.6 asks for 12+ characters with letters and digits; we also ask
 * for mixed case and a symbol, as the Cognito pool does). The API enforces it (cognito-local does not)
 * and the web client shows it live, both from this one list.
 */
export const PASSWORD_RULES = [
  { id: 'length', label: 'At least 12 characters', test: (p: string) => p.length >= 12 },
  { id: 'upper', label: 'An upper-case letter', test: (p: string) => /[A-Z]/.test(p) },
  { id: 'lower', label: 'A lower-case letter', test: (p: string) => /[a-z]/.test(p) },
  { id: 'digit', label: 'A digit', test: (p: string) => /\d/.test(p) },
  { id: 'symbol', label: 'A symbol, such as ! or #', test: (p: string) => /[^A-Za-z0-9\s]/.test(p) },
  // Cognito refuses a password that starts or ends with white space (its pattern is ^[\S]+.*[\S]+$).
  { id: 'edges', label: 'No space at the start or end', test: (p: string) => !/^\s|\s$/.test(p) },
] as const;

/** The rules a password breaks (empty when it meets the policy). */
export const brokenPasswordRules = (p: string) => PASSWORD_RULES.filter((r) => !r.test(p));
