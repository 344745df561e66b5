import { randomUUID } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { useHandlerEnv } from '../../test/harness.ts';
import { createS3Client } from '../store/statements.ts';
import { s3Env } from './s3.ts';

const s3 = () => inject('s3');
beforeAll(() => {
  // useHandlerEnv installs the local stack's emulations, S3's conditional writes among them.
  useHandlerEnv({ ...s3Env(s3()) });
});

const put = (Key: string, Body: string, conditional: boolean) =>
  createS3Client({ pathStyle: true }).send(
    new PutObjectCommand({ Bucket: s3().bucket, Key, Body, ...(conditional ? { IfNoneMatch: '*' } : {}) }),
  );
const read = async (Key: string) => {
  const r = await createS3Client({ pathStyle: true }).send(
    new GetObjectCommand({ Bucket: s3().bucket, Key }),
  );
  return r.Body?.transformToString();
};

/** A promise the test resolves (`fire`) and waits on (`fired`). */
const signal = () => {
  let fire = () => {};
  const fired = new Promise<void>((r) => {
    fire = r;
  });
  return { fire, fired };
};

describe("S3's conditional writes, offline (If-None-Match: *)", () => {
  it('writes a new key, then refuses the key taken with 412 PreconditionFailed and keeps the first object', async () => {
    const key = `test/conditional/${randomUUID()}`;
    await put(key, 'first', true);
    await expect(put(key, 'second', true)).rejects.toMatchObject({
      name: 'PreconditionFailed',
      $metadata: { httpStatusCode: 412 },
    });
    expect(await read(key)).toBe('first');
  });

  it('lets one of two conditional puts racing on a new key win, and the other fail', async () => {
    const key = `test/conditional/${randomUUID()}`;
    const results = await Promise.allSettled([put(key, 'a', true), put(key, 'b', true)]);
    const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
    expect(won).toHaveLength(1);
    const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(['PreconditionFailed', 'ConditionalRequestConflict']).toContain(lost.reason.name);
    expect(await read(key)).toBe(won[0] === 0 ? 'a' : 'b');
  });

  it('answers 409 ConditionalRequestConflict to a conditional put arriving while another is under way; 412 once it is done', async () => {
    const key = `test/conditional/${randomUUID()}`;
    // The first put is held before it reaches s3rver (after the emulation admitted it).
    const held = createS3Client({ pathStyle: true });
    const [atSend, released] = [signal(), signal()];
    held.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'PutObjectCommand') {
          atSend.fire();
          await released.fired;
        }
        return next(args);
      },
      { step: 'finalizeRequest', name: 'testHoldPut' },
    );
    const first = held.send(
      new PutObjectCommand({ Bucket: s3().bucket, Key: key, Body: 'first', IfNoneMatch: '*' }),
    );
    await atSend.fired;
    await expect(put(key, 'second', true)).rejects.toMatchObject({
      name: 'ConditionalRequestConflict',
      $metadata: { httpStatusCode: 409 },
    });
    released.fire();
    await first;
    await expect(put(key, 'second', true)).rejects.toMatchObject({ $metadata: { httpStatusCode: 412 } });
    expect(await read(key)).toBe('first');
  });

  it('leaves a put without the condition as S3 does: it replaces the object', async () => {
    const key = `test/conditional/${randomUUID()}`;
    await put(key, 'first', true);
    await put(key, 'second', false);
    expect(await read(key)).toBe('second');
  });
});
