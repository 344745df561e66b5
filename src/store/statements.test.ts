import type { S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { StatementFiles } from './statements.ts';

/** An S3 client that answers each PutObject with the next of `statuses` (200, or an error of that status). */
const s3Answering = (statuses: number[]) => {
  const sent: unknown[] = [];
  const client = {
    send: async (command: { input: unknown }) => {
      sent.push(command.input);
      const status = statuses.shift() ?? 200;
      if (status === 200) return {};
      throw Object.assign(new Error(`status ${status}`), { $metadata: { httpStatusCode: status } });
    },
  };
  return { client: client as unknown as S3Client, sent };
};

describe('StatementFiles.putOnce (S3 conditional write)', () => {
  it('writes with If-None-Match: * and says it wrote', async () => {
    const { client, sent } = s3Answering([200]);
    expect(await new StatementFiles(client, 'b').putOnce('k', 'x', 'csv')).toBe(true);
    expect(sent).toEqual([expect.objectContaining({ Bucket: 'b', Key: 'k', IfNoneMatch: '*' })]);
  });

  it('says another wrote it on 412, and tries again on 409 (a racing conditional write that may yet fail)', async () => {
    expect(await new StatementFiles(s3Answering([412]).client, 'b').putOnce('k', 'x', 'csv')).toBe(false);
    const racing = s3Answering([409, 200]);
    expect(await new StatementFiles(racing.client, 'b').putOnce('k', 'x', 'csv')).toBe(true);
    expect(racing.sent).toHaveLength(2);
    expect(await new StatementFiles(s3Answering([409, 412]).client, 'b').putOnce('k', 'x', 'csv')).toBe(
      false,
    );
  });

  it('answers 503 when the key keeps racing, and passes any other error on', async () => {
    await expect(
      new StatementFiles(s3Answering(Array(20).fill(409)).client, 'b').putOnce('k', 'x', 'csv'),
    ).rejects.toMatchObject({ code: 'service_unavailable' });
    await expect(new StatementFiles(s3Answering([500]).client, 'b').putOnce('k', 'x', 'csv')).rejects.toThrow(
      'status 500',
    );
  });
});
