/** The Luhn check digit of account numbers. Pure, so the web client uses the same code. */
export const luhnDigit = (digits: string): string => {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return String((10 - (sum % 10)) % 10);
};

/** 10 digits whose last is the Luhn check digit of the first nine. */
export const isWellFormedAccountNumber = (n: string): boolean =>
  /^\d{10}$/.test(n) && luhnDigit(n.slice(0, 9)) === n[9];
