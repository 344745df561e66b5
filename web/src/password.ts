/**
 * The password policy, for live feedback while the customer types. It mirrors PASSWORD_RULES in
 * src/api/schemas.ts (which the client cannot import without bundling zod); a test keeps them equal.
 */
export const PASSWORD_RULES = [
  { id: 'length', label: 'At least 12 characters', test: (p: string) => p.length >= 12 },
  { id: 'upper', label: 'An upper-case letter', test: (p: string) => /[A-Z]/.test(p) },
  { id: 'lower', label: 'A lower-case letter', test: (p: string) => /[a-z]/.test(p) },
  { id: 'digit', label: 'A digit', test: (p: string) => /\d/.test(p) },
  { id: 'symbol', label: 'A symbol, such as ! or #', test: (p: string) => /[^A-Za-z0-9\s]/.test(p) },
] as const;

export interface RuleState {
  id: string;
  label: string;
  met: boolean;
}

export const checkPassword = (password: string): { rules: RuleState[]; ok: boolean } => {
  const rules = PASSWORD_RULES.map((r) => ({ id: r.id, label: r.label, met: r.test(password) }));
  return { rules, ok: rules.every((r) => r.met) };
};
