/**
 * The deadline middleware (`boundByDeadline`): an SDK call inside an invocation never waits past its
 * deadline. A DynamoDB client whose requests never answer stands in for a dependency that hangs.
 */
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { recordingDynamo } from '../../test/recording-client.ts';
import { isDependencyOutage } from '../api/http.ts';
import { ANSWER_MS, GIVE_UP_MS, withDeadline } from './retry.ts';

const hanging = () => recordingDynamo({ hang: true });
const get = new GetItemCommand({ TableName: 't', Key: { pk: { S: 'a' } } });

describe('SDK calls bounded by the invocation deadline', () => {
  it('a call whose answer does not come stops waiting before the deadline, as a TimeoutError (503)', async () => {
    const { client, sent } = hanging();
    const e = await withDeadline(Date.now() + ANSWER_MS + 300, () => client.send(get)).catch((x: Error) => x);
    expect(e).toMatchObject({ name: 'TimeoutError' });
    expect(isDependencyOutage(e)).toBe(true);
    expect(sent.length).toBe(1);
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
    expect(sent.length).toBe(2);
  });

  it('a call with no time left before the deadline is not sent', async () => {
    const { client, sent } = hanging();
    await expect(withDeadline(Date.now() + ANSWER_MS - 50, () => client.send(get))).rejects.toMatchObject({
      name: 'TimeoutError',
    });
    expect(sent.length).toBe(0);
  });
});
