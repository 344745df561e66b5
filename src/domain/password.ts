/**
 * The password policy (PCI DSS v4 8.3.6 asks for 12+ characters with letters and digits; we also ask
 * for mixed case and a symbol, as the Cognito pool does). One rule, used by the API (cognito-local
 * checks nothing), the web client's live checklist and the CDK user pool (infra/identity.ts reads
 * PASSWORD_POLICY), so nothing passes locally that Cognito would refuse.
 */

/**
 * Cognito's own list of special characters (its password policy documentation), plus the space,
 * which Cognito also counts as a special character (never at the start or the end). Any other
 * character (é, €, a tab) is refused by Cognito, so it is refused here too.
 */
export const COGNITO_SYMBOLS = '^$*.[]{}()?"!@#%&/\\,><\':;|_~`=+- ';

const isSymbol = (c: string) => COGNITO_SYMBOLS.includes(c) && c !== ' ';
const isAllowed = (c: string) => /[A-Za-z0-9]/.test(c) || COGNITO_SYMBOLS.includes(c);

/** What the CDK user pool is configured with (infra/identity.ts). */
export const PASSWORD_POLICY = {
  minLength: 12,
  requireLowercase: true,
  requireUppercase: true,
  requireDigits: true,
  requireSymbols: true,
} as const;

export const PASSWORD_RULES = [
  {
    id: 'length',
    label: `At least ${PASSWORD_POLICY.minLength} characters`,
    test: (p: string) => [...p].length >= PASSWORD_POLICY.minLength,
  },
  { id: 'upper', label: 'An upper-case letter', test: (p: string) => /[A-Z]/.test(p) },
  { id: 'lower', label: 'A lower-case letter', test: (p: string) => /[a-z]/.test(p) },
  { id: 'digit', label: 'A digit', test: (p: string) => /[0-9]/.test(p) },
  { id: 'symbol', label: 'A symbol, such as ! or #', test: (p: string) => [...p].some(isSymbol) },
  {
    id: 'charset',
    label: 'No other characters (such as é, € or a tab)',
    test: (p: string) => [...p].every(isAllowed),
  },
  // Cognito refuses a password that starts or ends with white space (its pattern is ^[\S]+.*[\S]+$).
  { id: 'edges', label: 'No space at the start or end', test: (p: string) => !/^\s|\s$/.test(p) },
] as const;

/** The rules a password breaks (empty when it meets the policy). */
export const brokenPasswordRules = (p: string) => PASSWORD_RULES.filter((r) => !r.test(p));

// ---------- common passwords ----------

/** Digits and symbols people use for letters ("P@ssw0rd"). */
const LEET: Record<string, string> = {
  '0': 'o',
  '1': 'i',
  '3': 'e',
  '4': 'a',
  '5': 's',
  '7': 't',
  '8': 'b',
  '9': 'g',
  '@': 'a',
  $: 's',
  '!': 'i',
  '+': 't',
};

/**
 * The word at the heart of a password: lower-cased, without the digits and symbols added before or
 * after it ("Password123!" and "!!password2024" are both "password"). The common-password list is
 * stored in this form (scripts/common-passwords.ts), so one look-up covers the trivial variants.
 */
export const passwordCore = (p: string): string => p.toLowerCase().replace(/^[^a-z]+|[^a-z]+$/g, '');

/** The forms of a password to look up in the common list: as typed, its core, and their de-leeted forms. */
export const commonPasswordCandidates = (p: string): string[] => {
  const lower = p.toLowerCase();
  const deleet = (s: string) => [...s].map((c) => LEET[c] ?? c).join('');
  const unleet = deleet(lower);
  // Separators inside a phrase ("pass word", "pass-word") do not make it less common.
  const squashed = lower.replace(/[^a-z0-9]/g, '');
  const forms = [
    lower,
    passwordCore(lower),
    unleet,
    passwordCore(unleet),
    // "P@ssw0rd2024!": the digits around the word go first, then the letters inside are read back.
    passwordCore(deleet(passwordCore(lower))),
    squashed,
    passwordCore(squashed),
  ];
  return [...new Set(forms.filter((f) => f.length >= 3))];
};

/** Whether a password is a common one, or a trivial variant of one, by the given list (in core form). */
export const isCommonPassword = (p: string, has: (entry: string) => boolean): boolean =>
  commonPasswordCandidates(p).some(has);
