/** Stream records as Lambda delivers them to the `stream` function, for tests. */
import { randomUUID } from 'node:crypto';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue, DynamoDBRecord } from 'aws-lambda';

/** The stream record of a transfer from `from` to `to`, posted at once. */
export const transferPosted = (from: string, to: string): DynamoDBRecord => ({
  eventID: `id-${randomUUID()}`,
  eventName: 'INSERT',
  eventSource: 'aws:dynamodb',
  dynamodb: {
    ApproximateCreationDateTime: Math.floor(Date.now() / 1000),
    SequenceNumber: '100',
    NewImage: marshall(
      {
        entity: 'journal',
        id: `j-${randomUUID()}`,
        type: 'transfer',
        status: 'posted',
        amount: 1234,
        currency: 'EUR',
        description: 'rent',
        from: { ownerId: from, accountId: 'a-1', number: '11111111' },
        to: { ownerId: to, accountId: 'b-1', number: '22222222' },
        createdAt: new Date().toISOString(),
        postedAt: new Date().toISOString(),
      },
      { removeUndefinedValues: true },
    ) as Record<string, AttributeValue>,
  },
});

/**
 * The stream record of a transfer from `from` to `to` whose deferred credit the settler moved to
 * unclaimed funds (both accounts closed before it settled): its journal, unsettled before, returned and
 * unclaimed after.
 */
export const transferUnclaimed = (from: string, to: string): DynamoDBRecord => {
  const posted = transferPosted(from, to);
  const image = posted.dynamodb?.NewImage as Record<string, AttributeValue>;
  const at = new Date().toISOString();
  const extra = (o: Record<string, unknown>) => marshall(o, { removeUndefinedValues: true });
  return {
    ...posted,
    eventName: 'MODIFY',
    dynamodb: {
      ...posted.dynamodb,
      OldImage: { ...image, ...extra({ unsettled: true }) } as Record<string, AttributeValue>,
      NewImage: {
        ...image,
        ...extra({ settledAt: at, returned: true, unclaimed: true, reversedAmount: 1234 }),
      } as Record<string, AttributeValue>,
    },
  };
};
