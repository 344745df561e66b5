import { Logger } from '@aws-lambda-powertools/logger';

/** Keys whose values never reach a log, whatever object they appear in. */
const SECRET_KEY = /pass(word)?|token|secret|authorization|cookie|^code$/i;

/** Redacts secret-looking keys at any depth; Powertools calls this for every value it serialises. */
export const redact = (key: string, value: unknown): unknown =>
  key !== '' && SECRET_KEY.test(key) && value !== undefined && value !== null ? '[redacted]' : value;

export const logger = new Logger({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'serverless-bank',
  jsonReplacerFn: redact,
});
