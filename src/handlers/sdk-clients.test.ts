/**
 * The handlers' SDK clients run without the SDK's logger middleware (src/store/db.ts
 * `withoutSdkLogger`): it copied every call's input and output through their sensitive-data filters
 * for a log line nobody wrote. Those a route's handler calls wait for its guard before any write.
 */
import { describe, expect, it } from 'vitest';
import { secretsClient } from '../store/cursor.ts';
import { createDocumentClient, createDynamoClient } from '../store/db.ts';
import { createS3Client } from '../store/statements.ts';
import { cognito } from './context.ts';
import { newSesClient } from './notifier.ts';

const middlewares = (c: { middlewareStack: { identify: () => string[] } }) =>
  c.middlewareStack.identify().join('\n');

describe("the handlers' SDK clients", () => {
  it.for([
    ['DynamoDB', () => createDynamoClient()],
    ['DynamoDB, through the DocumentClient', () => createDocumentClient()],
    ['Cognito', () => cognito()],
    ['S3', () => createS3Client()],
    ['SES', () => newSesClient()],
    ['Secrets Manager (the cursor keys)', () => secretsClient()],
  ] as const)('%s: no SDK logger middleware, the deadline and the rest kept', ([name, make]) => {
    const list = middlewares(make());
    expect(list).not.toContain('loggerMiddleware');
    // The stack is otherwise whole: the SDK's own steps are there (and the deadline, where it is set).
    expect(list).toContain('retryMiddleware');
    // The deadline and the guard's gate (src/store/guard-gate.ts) on every client a route's handler calls.
    if (name !== 'SES' && !name.startsWith('Secrets')) {
      expect(list).toContain('bankDeadline');
      expect(list).toContain('bankGuardGate');
    }
  });
});
