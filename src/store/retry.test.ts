/**
 * The deadline middleware (`boundByDeadline`): an SDK call inside an invocation never waits past its
 * deadline. A DynamoDB client whose requests never answer stands in for a dependency that hangs.
 */
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { isDependencyOutage } from '../api/http.ts';
import { ANSWER_MS, boundByDeadline, GIVE_UP_MS, withDeadline } from './retry.ts';

const hanging = () => {
  const sent = { n: 0 };
  const client = boundByDeadline(
    new DynamoDBClient({
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:9',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      requestHandler: {
        handle: () => {
          sent.n++;
          return new Promise(() => {});
        },
      } as never,
    }),
  );
  return { client, sent };
};
const get = new GetItemCommand({ TableName: 't', Key: { pk: { S: 'a' } } });

describe('SDK calls bounded by the invocation deadline', () => {
  it('a call whose answer does not come stops waiting before the deadline, as a TimeoutError (503)', async () => {
    const { client, sent } = hanging();
    const e = await withDeadline(Date.now() + ANSWER_MS + 300, () => client.send(get)).catch((x: Error) => x);
    expect(e).toMatchObject({ name: 'TimeoutError' });
    expect(isDependencyOutage(e)).toBe(true);
    expect(sent.n).toBe(1);
  });

  it('a call that gave up leaves the handler time to clean up: the next call is still sent', async () => {
    const { client, sent } = hanging();
    const timeout = { name: 'TimeoutError' };
    await withDeadline(Date.now() + GIVE_UP_MS + 500, async () => {
      // Begun with more than GIVE_UP_MS left: it stops waiting GIVE_UP_MS before the deadline...
      await expect(client.send(get)).rejects.toMatchObject(timeout);
      // ...so that a clean-up write (a reserved attempt given back, say) is still sent.
      await expect(client.send(get)).rejects.toMatchObject(timeout);
    });
    expect(sent.n).toBe(2);
  });

  it('a call with no time left before the deadline is not sent', async () => {
    const { client, sent } = hanging();
    await expect(withDeadline(Date.now() + ANSWER_MS - 50, () => client.send(get))).rejects.toMatchObject({
      name: 'TimeoutError',
    });
    expect(sent.n).toBe(0);
  });
});
