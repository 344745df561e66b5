/**
 * Account numbers: 10 digits, the last a Luhn check digit (src/domain/account.ts makes them). Checking
 * it here catches a mistyped digit before anything is sent.
 */
const luhnDigit = (digits: string): number => {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
};

/** Spaces and dashes people type are dropped. */
export const normalizeAccountNumber = (input: string): string => input.replace(/[\s-]/g, '');

export const accountNumberProblem = (input: string): string | undefined => {
  const n = normalizeAccountNumber(input);
  if (n === '') return 'Enter the account number to send to.';
  if (!/^\d{10}$/.test(n)) return 'An account number has exactly 10 digits.';
  if (luhnDigit(n.slice(0, 9)) !== Number(n[9]))
    return 'This account number is not valid. Check it for typing errors.';
  return undefined;
};

/** `4820193757` -> `····3757`, to name an account without showing its whole number. */
export const lastDigits = (n: string): string => `····${n.slice(-4)}`;
