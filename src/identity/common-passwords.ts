/**
 * The common-password list (scripts/common-passwords.ts makes it from @zxcvbn-ts/language-common),
 * read once per cold start from the file shipped beside the code: beside this module offline, beside
 * the bundle in a Lambda (infra/bundling.ts copies it there).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliDecompressSync } from 'node:zlib';
import { isCommonPassword } from '../domain/password.ts';

export const COMMON_PASSWORDS_FILE = 'common-passwords.txt.br';

let list: Set<string> | undefined;

/** The list, in the core form src/domain/password.ts looks up. */
export const commonPasswords = (): ReadonlySet<string> => {
  list ??= new Set(
    brotliDecompressSync(readFileSync(join(import.meta.dirname, COMMON_PASSWORDS_FILE)))
      .toString('utf8')
      .split('\n')
      .filter(Boolean),
  );
  return list;
};

/** Whether the password is common, or a trivial variant of a common one ("Password123!"). */
export const isCommon = (password: string): boolean => {
  const set = commonPasswords();
  return isCommonPassword(password, (entry) => set.has(entry));
};
