/**
 * S3's conditional writes, offline. On AWS, `PutObject` with `IfNoneMatch: '*'` writes only when no
 * object has the key: otherwise S3 answers 412 `PreconditionFailed`, and 409
 * `ConditionalRequestConflict` to a conditional write racing another on the same key, so the first
 * writer wins and nothing replaces its object. s3rver 3.7.1 ignores the header on a PUT and writes
 * over whatever is there. This middleware, on every S3 client of the local stack and the tests
 * (`onEveryClient`), answers as S3 does: a conditional put looks the key up first and fails with 412
 * when it is taken, and one arriving while another conditional put on the key is under way fails
 * with 409 (the local stack runs every function in one process, so the check is atomic here). A put
 * without the condition is left as it is.
 */
import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { onEveryClient, outsideFunctions } from './iam.ts';

const S3_CONDITIONAL_MIDDLEWARE = 'localS3ConditionalWrites';

type Input = { Bucket?: string; Key?: string; IfNoneMatch?: string };

/** S3's answer to a conditional put on a key that is taken. */
export const preconditionFailed = (): Error =>
  Object.assign(new Error('At least one of the pre-conditions you specified did not hold'), {
    name: 'PreconditionFailed',
    Code: 'PreconditionFailed',
    $fault: 'client',
    $metadata: { httpStatusCode: 412 },
  });

/** S3's answer to a conditional put racing another on the same key (S3 advises trying again). */
export const conditionalRequestConflict = (): Error =>
  Object.assign(
    new Error('A conflicting operation occurred. If using PutObject you can retry the request.'),
    {
      name: 'ConditionalRequestConflict',
      Code: 'ConditionalRequestConflict',
      $fault: 'client',
      $metadata: { httpStatusCode: 409 },
    },
  );

/** The conditional puts under way, by bucket and key. */
const writing = new Set<string>();

/**
 * Whether the key holds an object: its own HeadObject (outside any function's IAM), so that the
 * emulation leans on nothing of the code it stands under.
 */
const taken = async (client: S3Client, Bucket: string, Key: string): Promise<boolean> =>
  outsideFunctions(() =>
    client.send(new HeadObjectCommand({ Bucket, Key })).then(
      () => true,
      (e: { name?: string; $metadata?: { httpStatusCode?: number } }) => {
        if (e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404) return false;
        throw e;
      },
    ),
  );

const install = (client: S3Client): void => {
  client.middlewareStack.add(
    ((next: (args: unknown) => Promise<unknown>, context: { commandName?: string; clientName?: string }) =>
      async (args: { input: Input }) => {
        const { Bucket, Key, IfNoneMatch } = args.input;
        if (
          context.clientName !== 'S3Client' ||
          context.commandName !== 'PutObjectCommand' ||
          IfNoneMatch !== '*' ||
          Bucket === undefined ||
          Key === undefined
        )
          return next(args);
        const slot = `${Bucket}/${Key}`;
        if (writing.has(slot)) throw conditionalRequestConflict();
        writing.add(slot);
        try {
          if (await taken(client, Bucket, Key)) throw preconditionFailed();
          return await next(args);
        } finally {
          writing.delete(slot);
        }
      }) as never,
    { step: 'initialize', name: S3_CONDITIONAL_MIDDLEWARE, override: true },
  );
};

/** S3's conditional writes, on every S3 client (offline only; idempotent). */
export const emulateS3ConditionalWrites = (): void => onEveryClient(install as never);
