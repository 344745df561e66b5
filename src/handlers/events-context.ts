/**
 * What the events, webhooks and notification functions share: their settings from the environment and
 * their stores, created once per cold start on first use.
 *
 *   BANK_WEBHOOK_RETRY_SCALE      multiplies every retry delay (1; offline tests use 0.001 or less)
 *   BANK_WEBHOOK_ALLOW_LOOPBACK   'true' offline only: http://127.0.0.1:<port> endpoints are allowed
 *   BANK_NOTIFY_WITHDRAWAL_OVER   withdrawals above this many minor units are emailed (50000)
 *   BANK_EMAIL_FROM               the verified SES identity emails come from
 */
import { config } from '../config.ts';
import { EventStore } from '../store/events.ts';
import { WebhookStore } from '../store/webhooks.ts';
import { db } from './context.ts';

const number = (name: string, fallback: number): number => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number`);
  return n;
};

export interface EventsSettings {
  retryScale: number;
  allowLoopbackHttp: boolean;
  withdrawalOver: number;
  emailFrom: string;
}

export const eventsSettings = (): EventsSettings => ({
  retryScale: number('BANK_WEBHOOK_RETRY_SCALE', 1),
  allowLoopbackHttp: process.env.BANK_WEBHOOK_ALLOW_LOOPBACK === 'true',
  withdrawalOver: number('BANK_NOTIFY_WITHDRAWAL_OVER', 50_000),
  emailFrom: process.env.BANK_EMAIL_FROM || 'no-reply@bank.local',
});

let stores: { table: string; webhooks: WebhookStore; events: EventStore } | undefined;
const storesFor = () => {
  const table = config().tableName;
  if (stores?.table !== table) {
    const webhooks = new WebhookStore(db(), table);
    stores = { table, webhooks, events: new EventStore(db(), table, webhooks) };
  }
  return stores;
};
export const webhooks = (): WebhookStore => storesFor().webhooks;
export const events = (): EventStore => storesFor().events;
