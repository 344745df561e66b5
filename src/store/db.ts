import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * A DocumentClient. The endpoint comes from the SDK's standard configuration
 * (AWS_ENDPOINT_URL_DYNAMODB locally), so the same code runs against DynamoDB Local and AWS.
 */
export const createDocumentClient = (
  client: DynamoDBClient = new DynamoDBClient({}),
): DynamoDBDocumentClient =>
  DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertEmptyValues: false },
  });

export type Db = DynamoDBDocumentClient;

/** The reason codes of a cancelled transaction, one per action (`None` for actions that passed). */
export const cancellationCodes = (e: unknown): string[] | undefined => {
  const err = e as { name?: string; CancellationReasons?: { Code?: string }[] };
  if (err?.name !== 'TransactionCanceledException') return undefined;
  return (err.CancellationReasons ?? []).map((r) => r.Code ?? 'None');
};
