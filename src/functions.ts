/**
 * The function registry: every Lambda function of the bank, with its trigger, its permissions and
 * its limits. The CDK app (infra/functions.ts) and the local stack (src/local) are both built from
 * it, so a function declared here runs the same way offline and on AWS:
 *
 * - `http`: a route group; its routes are the route table's entries whose `fn` names it
 *   (src/api/routes.ts). On AWS: API Gateway HTTP API integrations. Offline: the local gateway.
 * - `schedule`: on AWS an EventBridge rule at the given rate; offline, `npm start` invokes the same
 *   handler with a ScheduledEvent every BANK_SWEEP_SECONDS (default 5).
 * - `stream`: the table's DynamoDB stream. On AWS an event source mapping with bisect-on-error,
 *   bounded retries and an SQS on-failure destination; offline, a poller of DynamoDB Local's stream.
 *
 * It is data only, so that a handler bundle importing it stays small.
 */

/** What a function may do in AWS. The CDK app turns each into least-privilege IAM statements. */
export type Permission =
  | 'table:read'
  | 'table:write'
  /** Delete items (webhook endpoints, an email's send mark). */
  | 'table:delete'
  | 'cognito:public'
  | 'cognito:admin'
  /** Send email through SES v2 from the stage's verified identity. */
  | 'ses:send';

/** Stream record kinds, as DynamoDB Streams names them. */
export type StreamEventName = 'INSERT' | 'MODIFY' | 'REMOVE';

export type Trigger =
  | { type: 'http' }
  /** Every `minutes` minutes on AWS (EventBridge); every BANK_SWEEP_SECONDS offline. */
  | { type: 'schedule'; minutes: number }
  | {
      type: 'stream';
      /** Records per invocation. */
      batchSize: number;
      /** Retries of a failing batch (halved each time by bisect-on-error) before it goes to the DLQ. */
      retryAttempts: number;
      /**
       * Which records the function is given: those of these kinds whose new image's `entity` is one
       * of these (on AWS, the event source mapping's filter criteria; offline, the poller's filter).
       */
      filter: { eventNames: readonly StreamEventName[]; entities: readonly string[] };
    };

export interface FunctionDef {
  /** The handler module, relative to the repository root; it exports `handler`. */
  entry: string;
  description: string;
  trigger: Trigger;
  permissions: readonly Permission[];
  /** Lambda timeout. The local gateway enforces the same limit on http functions. */
  timeoutSeconds: number;
  memoryMb: number;
}

const http = { type: 'http' } as const;
const defaults = { timeoutSeconds: 10, memoryMb: 512 } as const;
const fn = <const F extends FunctionDef>(f: F): F => f;

export const functions = {
  health: fn({
    ...defaults,
    entry: 'src/handlers/health.ts',
    description: 'Liveness',
    trigger: http,
    permissions: [],
  }),
  auth: fn({
    ...defaults,
    entry: 'src/handlers/auth.ts',
    description: 'Register, confirm, login, refresh, logout',
    trigger: http,
    permissions: ['cognito:admin', 'cognito:public', 'table:write'],
  }),
  profile: fn({
    ...defaults,
    entry: 'src/handlers/profile.ts',
    description: 'The caller\u2019s profile',
    trigger: http,
    permissions: ['table:read'],
  }),
  'accounts-read': fn({
    ...defaults,
    entry: 'src/handlers/accounts-read.ts',
    description: 'Accounts, balances and history',
    trigger: http,
    permissions: ['table:read'],
  }),
  'accounts-write': fn({
    ...defaults,
    entry: 'src/handlers/accounts-write.ts',
    description: 'Open and close accounts',
    trigger: http,
    permissions: ['table:write'],
  }),
  money: fn({
    ...defaults,
    entry: 'src/handlers/money.ts',
    description: 'Deposits, withdrawals and transfers',
    trigger: http,
    permissions: ['table:write'],
  }),
  'events-api': fn({
    ...defaults,
    entry: 'src/handlers/events-api.ts',
    description: 'The customer\u2019s events and email notification preferences',
    trigger: http,
    permissions: ['table:write'],
  }),
  'webhooks-api': fn({
    ...defaults,
    // A manual retry sends a delivery within the request: up to 10 s for the endpoint to answer.
    timeoutSeconds: 15,
    entry: 'src/handlers/webhooks-api.ts',
    description: 'Webhook endpoints, their deliveries and manual retries',
    trigger: http,
    permissions: ['table:write', 'table:delete'],
  }),
  stream: fn({
    ...defaults,
    timeoutSeconds: 30,
    entry: 'src/handlers/stream.ts',
    description: 'Turns table changes into customers\u2019 events and webhook deliveries',
    trigger: {
      type: 'stream',
      batchSize: 100,
      retryAttempts: 10,
      filter: { eventNames: ['INSERT', 'MODIFY'], entities: ['account', 'journal', 'posting'] },
    },
    permissions: ['table:write'],
  }),
  dispatcher: fn({
    ...defaults,
    timeoutSeconds: 60,
    entry: 'src/handlers/dispatcher.ts',
    description: 'Delivers due webhook deliveries, signed, with retries',
    trigger: { type: 'schedule', minutes: 1 },
    permissions: ['table:write'],
  }),
  notifier: fn({
    ...defaults,
    timeoutSeconds: 30,
    entry: 'src/handlers/notifier.ts',
    description: 'Emails customers about the events they asked to hear of',
    trigger: {
      type: 'stream',
      batchSize: 25,
      retryAttempts: 5,
      filter: { eventNames: ['INSERT'], entities: ['event'] },
    },
    permissions: ['table:write', 'table:delete', 'ses:send'],
  }),
} as const satisfies Record<string, FunctionDef>;

export type Functions = typeof functions;
export type FunctionName = keyof Functions;
/** The functions behind the HTTP API: the route table's `fn` values. */
export type HttpFunctionName = {
  [K in FunctionName]: Functions[K]['trigger']['type'] extends 'http' ? K : never;
}[FunctionName];

export const functionNames = Object.keys(functions) as FunctionName[];

export const functionsWith = <T extends Trigger['type']>(
  type: T,
): { name: FunctionName; def: FunctionDef & { trigger: Extract<Trigger, { type: T }> } }[] =>
  functionNames
    .map((name) => ({ name, def: functions[name] as FunctionDef }))
    .filter(
      (f): f is { name: FunctionName; def: FunctionDef & { trigger: Extract<Trigger, { type: T }> } } =>
        f.def.trigger.type === type,
    );

/** A function's permissions, sorted: what its IAM role is granted. */
export const permissionsOf = (name: FunctionName): Permission[] =>
  [...(functions[name] as FunctionDef).permissions].sort();
