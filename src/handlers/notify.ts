/**
 * The stream function's notices to the notifier. The notifier is not a reader of the table's stream
 * (AWS advises at most two per shard: README, "Stream readers"): once a batch's events are stored (or
 * found already stored, on a retry), the stream function invokes it asynchronously (Lambda `Invoke`,
 * InvocationType `Event`) with those that may give an email (`emailedTypes`), in stream order, as
 * many invocations as the payload limit and MAX_NOTICE_EVENTS need. A failed invoke stops the batch
 * at the earliest record whose events were in it (src/handlers/stream.ts): the retry stores nothing
 * twice and invokes again, and the notifier sends nothing twice (its email marks, src/store/email-marks.ts).
 *
 * On AWS the function's name comes from BANK_NOTIFIER_FUNCTION (the CDK app sets it); offline the
 * local Invoke endpoint (src/local/async-invoke.ts, AWS_ENDPOINT_URL_LAMBDA) runs the notifier.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { CustomerEvent } from '../domain/events.ts';
import { emailedTypes } from '../domain/notifications.ts';
import type { SecurityNoticeType } from '../domain/security-notices.ts';
import { withoutSdkLogger } from '../store/db.ts';

/**
 * The most bytes of one notice's payload. Lambda takes up to 256 KB for an asynchronous invocation
 * (raised to 1 MB in 2025, not in every Region and SDK yet): 256 KB, to be safe.
 */
export const MAX_NOTICE_BYTES = 256 * 1024;
/** The most events of one invocation: what the notifier was given per batch when it read the stream. */
export const MAX_NOTICE_EVENTS = 25;

/**
 * An event as the notifier reads it, or a security notice (src/domain/security-notices.ts: from an
 * audit record, never stored as an event).
 */
export interface Notice {
  id: string;
  type: CustomerEvent['type'] | SecurityNoticeType;
  createdAt: string;
  data: Record<string, unknown>;
  ownerId: string;
}

/** The notifier's payload. */
export interface NotifierPayload {
  events: Notice[];
}

export const noticeOf = (e: CustomerEvent): Notice => ({
  id: e.id,
  type: e.type,
  createdAt: e.createdAt,
  data: e.data,
  ownerId: e.customer,
});

/** Whether an event may give an email, whatever its owner's preferences. */
export const mayEmail = (e: Pick<CustomerEvent, 'type'>): boolean => emailedTypes.includes(e.type);

const ENVELOPE = Buffer.byteLength(JSON.stringify({ events: [] } satisfies NotifierPayload));

/**
 * `items` in order, cut into payloads of at most MAX_NOTICE_EVENTS events and MAX_NOTICE_BYTES bytes
 * (as JSON). An event too large for any payload alone is in `tooLarge` (it cannot be sent at all).
 */
export const chunkNotices = <T extends { notice: Notice }>(
  items: readonly T[],
  maxBytes = MAX_NOTICE_BYTES,
): { chunks: T[][]; tooLarge: T[] } => {
  const chunks: T[][] = [];
  const tooLarge: T[] = [];
  let current: T[] = [];
  let bytes = ENVELOPE;
  for (const item of items) {
    const size = Buffer.byteLength(JSON.stringify(item.notice));
    if (ENVELOPE + size > maxBytes) {
      tooLarge.push(item);
      continue;
    }
    // A comma between two events.
    const added = current.length === 0 ? size : size + 1;
    if (current.length > 0 && (current.length >= MAX_NOTICE_EVENTS || bytes + added > maxBytes)) {
      chunks.push(current);
      current = [];
      bytes = ENVELOPE + size;
    } else bytes += added;
    current.push(item);
  }
  if (current.length > 0) chunks.push(current);
  return { chunks, tooLarge };
};

/** Invokes `functionName` asynchronously with `payload` (JSON); throws if Lambda did not take it. */
export type Invoker = (functionName: string, payload: string) => Promise<void>;

/**
 * The Lambda client's limits: a connection that does not open, or an answer that does not come, fails
 * the invoke (and the batch, retried): an invocation queued twice is sent once (the email marks).
 */
export const LAMBDA_TIMEOUTS = {
  connectionTimeout: 1_000,
  requestTimeout: 5_000,
  throwOnRequestTimeout: true,
} as const;

let client: LambdaClient | undefined;
const lambdaInvoker: Invoker = async (functionName, payload) => {
  client ??= withoutSdkLogger(new LambdaClient({ requestHandler: LAMBDA_TIMEOUTS }));
  const r = await client.send(
    new InvokeCommand({
      FunctionName: functionName,
      InvocationType: 'Event',
      Payload: new TextEncoder().encode(payload),
    }),
  );
  if (r.StatusCode !== 202) throw new Error(`Lambda answered ${r.StatusCode} to an asynchronous invoke`);
};

let injected: Invoker | undefined;
/** Replaces the invoker (tests); returns a function that puts the previous one back. */
export const useInvoker = (invoker: Invoker): (() => void) => {
  const previous = injected;
  injected = invoker;
  return () => {
    injected = previous;
  };
};

/**
 * Sends the notifier `items`' notices (each with `at`, its record's place in the batch), in order.
 * Stops at the first invoke that fails: `failedAt` is then the earliest `at` of that payload, from
 * which the batch must be retried. Notices too large to send are answered in `tooLarge`.
 */
export const notify = async <T extends { notice: Notice; at: number }>(
  functionName: string,
  items: readonly T[],
): Promise<{ invoked: number; tooLarge: T[]; failedAt?: number; error?: unknown }> => {
  const { chunks, tooLarge } = chunkNotices(items);
  const invoke = injected ?? lambdaInvoker;
  let invoked = 0;
  for (const chunk of chunks) {
    try {
      await invoke(
        functionName,
        JSON.stringify({ events: chunk.map((x) => x.notice) } satisfies NotifierPayload),
      );
    } catch (error) {
      return { invoked, tooLarge, failedAt: Math.min(...chunk.map((x) => x.at)), error };
    }
    invoked++;
  }
  return { invoked, tooLarge };
};
