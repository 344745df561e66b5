/**
 * Writes src/identity/common-passwords.txt.br: the 10,000 most common passwords of
 * @zxcvbn-ts/language-common (a maintained, frequency-ranked list), lower-cased and in the core form
 * that src/domain/password.ts looks up (digits and symbols around a word removed), one a line,
 * sorted, Brotli-compressed. Run again after upgrading the package: `npx tsx scripts/common-passwords.ts`.
 *
 * The file ships beside the auth and profile bundles rather than inside them: 55 KB of text would
 * push the auth bundle past its 300 KB goal (see infra/bundling.ts, which copies it).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants } from 'node:zlib';
import { dictionary } from '@zxcvbn-ts/language-common';
import { passwordCore } from '../src/domain/password.ts';

export const COMMON_PASSWORD_COUNT = 10_000;

const ranked = (dictionary as Record<string, string[]>)['passwords-common'];
if (!ranked || ranked.length < COMMON_PASSWORD_COUNT) throw new Error('the package has no password list');

const entries = new Set<string>();
for (const p of ranked.slice(0, COMMON_PASSWORD_COUNT)) {
  const lower = p.toLowerCase();
  for (const form of [lower, passwordCore(lower)]) if (form.length >= 3) entries.add(form);
}
const text = `${[...entries].sort().join('\n')}\n`;
const out = join(import.meta.dirname, '..', 'src', 'identity', 'common-passwords.txt.br');
writeFileSync(out, brotliCompressSync(text, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
console.log(`${out}: ${entries.size} entries from the top ${COMMON_PASSWORD_COUNT}`);
