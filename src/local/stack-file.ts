/**
 * What a local stack keeps in its data directory besides the emulators' data: stack.json (where it
 * runs and the ids it bootstrapped, for tools and for the next start) and the cursor secret.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readJson } from './emulators.ts';

export interface StackFile {
  apiUrl: string;
  port: number;
  pid: number;
  dynamodbEndpoint: string;
  cognitoEndpoint: string;
  tableName: string;
  userPoolId: string;
  userPoolClientId: string;
  region: string;
  dataDir: string;
}

export const stackFilePath = (dataDir: string) => join(dataDir, 'stack.json');

export const readStackFile = async (dataDir: string): Promise<Partial<StackFile> | undefined> =>
  (await readJson(stackFilePath(dataDir))) as Partial<StackFile> | undefined;

/** Written whole or not at all (a crash mid-write leaves the previous file). */
export const writeStackFile = async (stack: StackFile): Promise<void> => {
  const file = stackFilePath(stack.dataDir);
  await writeFile(`${file}.tmp`, `${JSON.stringify(stack, null, 2)}\n`);
  await rename(`${file}.tmp`, file);
};

/** True if `pid` is a running local stack (not merely a reused process id). */
export const isStackProcess = (pid: number | undefined): boolean => {
  if (!pid || pid === process.pid) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('src/local/main.ts');
  } catch {
    return false;
  }
};

/** The cursor key generated on first start and kept in the data directory (never in the environment). */
export const cursorSecret = async (dataDir: string): Promise<string> => {
  const file = join(dataDir, 'cursor-secret');
  try {
    const existing = (await readFile(file, 'utf8')).trim();
    if (existing) return existing;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const secret = randomBytes(32).toString('base64url');
  await writeFile(file, `${secret}\n`, { mode: 0o600 });
  return secret;
};
