import { vi } from 'vitest';

/** Captures what Powertools Logger writes (it writes to stdout and stderr directly) while `fn` runs. */
export const captureLogs = async <T>(fn: () => Promise<T>): Promise<{ result: T; logs: string }> => {
  const chunks: string[] = [];
  const grab = (chunk: unknown) => {
    chunks.push(String(chunk));
    return true;
  };
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(grab);
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(grab);
  try {
    const result = await fn();
    return { result, logs: chunks.join('') };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
};
