/**
 * The schemas of the back office's customer and audit routes (src/api/schemas/admin.ts) and of the
 * customer's own activity (src/api/schemas/profile.ts), in one place for the web client's types and
 * the tests. No route table or handler imports this barrel: each imports the modules it needs.
 */
export * from './schemas/admin.ts';
export { Activity, ActivityPage, ActivityQuery } from './schemas/profile.ts';
