/** Live feedback on the password policy, from the same rules the API enforces. */
import { PASSWORD_RULES } from '../../src/domain/password.ts';

export { PASSWORD_RULES };

export interface RuleState {
  id: string;
  label: string;
  met: boolean;
}

export const checkPassword = (password: string): { rules: RuleState[]; ok: boolean } => {
  const rules = PASSWORD_RULES.map((r) => ({ id: r.id, label: r.label, met: r.test(password) }));
  return { rules, ok: rules.every((r) => r.met) };
};
