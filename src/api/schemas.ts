/**
 * Every API schema, in one place for the OpenAPI document, the tests and the web client's types.
 * The schemas live by area in src/api/schemas/ (see primitives.ts for why): no route table or handler
 * imports this barrel, or its bundle would carry every area's schemas.
 */
export * from './schemas/accounts.ts';
export * from './schemas/auth.ts';
export * from './schemas/back-office.ts';
export * from './schemas/credentials.ts';
export * from './schemas/events.ts';
export * from './schemas/health.ts';
export * from './schemas/limits.ts';
export * from './schemas/money.ts';
export * from './schemas/payees.ts';
export * from './schemas/primitives.ts';
export * from './schemas/problem.ts';
export * from './schemas/profile.ts';
export * from './schemas/schedules.ts';
export * from './schemas/statements.ts';
export * from './schemas/transactions.ts';
export * from './schemas/webhooks.ts';
