/**
 * The 400 validation_failed problem is documented as the Problem component (src/api/schemas/
 * problem.ts: `errors` at most 100 items, each `path` at most 256 characters): the handlers list the
 * first 100 zod issues and clip each path (src/api/http.ts issuesOf), so a request within the 64 KB
 * limit gets a body its own schema accepts (a review found both unbounded).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { call } from '../../test/api.ts';
import { createTestTable, useHandlerEnv } from '../../test/harness.ts';
import { Problem } from './schemas/problem.ts';

beforeAll(async () => {
  useHandlerEnv({ TABLE_NAME: await createTestTable('review-problem') });
});

const deposit = (metadata: Record<string, string>) =>
  call('deposit', {
    user: 'review-problem-user',
    params: { id: '3f9a2b1c-6a43-4c1e-9a55-5b7f0e2d8c11' },
    body: { amount: 100, metadata },
    headers: { 'idempotency-key': 'review-problem' },
  });

describe('a validation_failed problem', () => {
  it('lists at most 100 errors, as the Problem schema says', async () => {
    // 300 bad metadata keys: about 4 KB of body.
    const metadata = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`bad key ${i}`, 'x']));
    const r = await deposit(metadata);
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('validation_failed');
    const parsed = Problem.safeParse(r.body);
    expect(parsed.error?.issues ?? [], `${r.body.errors?.length} errors`).toEqual([]);
    expect(r.body.detail).toBe('The request is not valid: the first 100 of 300 errors');
  });

  it('names each field in a path of at most 256 characters, as the Problem schema says', async () => {
    // One metadata key of 300 characters (the key is refused: at most 40); the path echoes it whole.
    const r = await deposit({ ['k'.repeat(300)]: 'x' });
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('validation_failed');
    const parsed = Problem.safeParse(r.body);
    expect(parsed.error?.issues ?? [], `path of ${r.body.errors?.[0]?.path.length} characters`).toEqual([]);
  });

  it('clips a path between characters, never inside a surrogate pair', async () => {
    // `body.metadata.` (14) and 241 letters end at 255: the emoji after them would straddle 256.
    const r = await deposit({ [`${'k'.repeat(241)}${'\u{1F600}'.repeat(10)}`]: 'x' });
    expect(r.status).toBe(400);
    const path: string = r.body.errors?.[0]?.path;
    expect(path).toBe(`body.metadata.${'k'.repeat(241)}`);
    expect(path.isWellFormed()).toBe(true);
  });
});
