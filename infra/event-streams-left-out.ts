/**
 * Stands in for `@smithy/core/event-streams` in the Lambda bundles only (an esbuild alias in
 * infra/bundling.ts). The codec serves operations that stream events (S3's SelectObjectContent), and
 * no function calls one: DynamoDB, Cognito, SES and Secrets Manager load it only for such operations,
 * with a dynamic `import()`, but the S3 client (`statement-files`) and the Lambda client (`stream`)
 * import it statically to set up their config. This module keeps that setup, as the package does it, and refuses any use of an event
 * stream, naming this file. infra/bundling.test.ts runs `statement-files` from its bundle against
 * s3rver (PutObject, a presigned GET) and shows an event stream refused. Offline (tsx,
 * not bundled) the SDK keeps the real package.
 */
const refused = (what: string): never => {
  throw new Error(
    `Event streams are left out of the Lambda bundles (${what}): remove the alias in infra/event-streams-left-out.ts to call an operation that streams events`,
  );
};

/** The marshaller an S3 client's config carries: used only by an operation that streams events. */
export const eventStreamSerdeProvider = (): { serialize: () => never; deserialize: () => never } => ({
  serialize: () => refused('serialize'),
  deserialize: () => refused('deserialize'),
});

/** As `@smithy/core/event-streams` resolves it: the config's marshaller, from its provider. */
export const resolveEventStreamSerdeConfig = <T extends { eventStreamSerdeProvider: (input: T) => unknown }>(
  input: T,
): T & { eventStreamMarshaller: unknown } =>
  Object.assign(input, { eventStreamMarshaller: input.eventStreamSerdeProvider(input) });

/** What Smithy's protocols import for an operation that streams events. */
export class EventStreamSerde {
  constructor() {
    refused('EventStreamSerde');
  }
}
