/** The revocation marker (login-status.ts, and the session store's way to it): what ends every session must not be lost to a throttle. */
import type { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import type { Db } from './db.ts';
import { SessionStore } from './sessions.ts';

/** A table that throttles the first `throttled` writes, then takes them; it keeps what it was sent. */
const throttling = (throttled: number) => {
  const sent: UpdateCommand[] = [];
  const db = {
    send: async (c: UpdateCommand) => {
      sent.push(c);
      if (sent.length <= throttled)
        throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
      return {};
    },
  } as unknown as Db;
  return { db, sent };
};

describe('revokeAllBefore', () => {
  it('sets the marker though the first writes are throttled', async () => {
    const { db, sent } = throttling(2);
    await new SessionStore(db, 'bank', 3600).revokeAllBefore('sub-1', 1_700_000_000_000);
    expect(sent).toHaveLength(3);
    expect(sent[2]?.input).toMatchObject({
      Key: { pk: 'USER#sub-1' },
      ExpressionAttributeValues: { ':at': 1_700_000_000_000 },
    });
  });

  it('answers 503 when the throttling outlasts its tries, and passes any other error on as it is', async () => {
    await expect(
      new SessionStore(throttling(100).db, 'bank', 3600).revokeAllBefore('sub-1'),
    ).rejects.toMatchObject({
      code: 'service_unavailable',
    });
    const broken = {
      send: async () => {
        throw Object.assign(new Error('no such table'), { name: 'ResourceNotFoundException' });
      },
    } as unknown as Db;
    await expect(new SessionStore(broken, 'bank', 3600).revokeAllBefore('sub-1')).rejects.toThrow(
      'no such table',
    );
  });
});
