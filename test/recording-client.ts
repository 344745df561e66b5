/**
 * A handler's DynamoDB client (src/store/db.ts `forHandlers`: the deadline and the guard's gate on it)
 * whose requests never leave the process: each is answered `{}` here (or never, with `hang`: a
 * dependency that does not answer), and `sent` records the operations that reached the wire, in order.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { forHandlers } from '../src/store/db.ts';

export const recordingDynamo = ({ hang = false } = {}) => {
  const sent: string[] = [];
  const client = forHandlers(
    new DynamoDBClient({
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:9',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      requestHandler: {
        handle: async (req: { headers: Record<string, string> }) => {
          sent.push(String(req.headers['x-amz-target']).split('.')[1] ?? '');
          if (hang) return new Promise(() => {});
          return { response: { statusCode: 200, headers: {}, body: new TextEncoder().encode('{}') } };
        },
      } as never,
    }),
  );
  return { client, sent };
};
