/**
 * "You sent this already. Send again?": the transfers this tab sent (or may have sent) lately, kept
 * in sessionStorage, so a new transfer with the same payee and amount within 10 minutes of one that
 * went through, or whose outcome is unknown, is questioned before it is sent.
 */
import { MAX_BATCH_TRANSFERS } from '../../src/domain/batch.ts';

export const REPEAT_WINDOW_MS = 10 * 60 * 1000;

export interface SentTransfer {
  /** The payee's account number. */
  to: string;
  amount: number;
  currency: string;
  /** Epoch ms. */
  at: number;
  outcome: 'succeeded' | 'unknown';
}

/**
 * The most notes kept: a bulk payment of MAX_BATCH_TRANSFERS notes each payment when sent and again
 * when answered, and the notes before it (a transfer perhaps sent) must survive it.
 */
export const KEPT = 4 * MAX_BATCH_TRANSFERS;

type KeyValue = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;
const ITEM = 'bank.recent-transfers';

const browserSession = (): KeyValue | undefined => {
  try {
    return globalThis.sessionStorage;
  } catch {
    return undefined;
  }
};

const read = (storage: KeyValue | undefined): SentTransfer[] => {
  try {
    const v = JSON.parse(storage?.getItem(ITEM) ?? '[]') as unknown;
    return Array.isArray(v) ? (v as SentTransfer[]) : [];
  } catch {
    return [];
  }
};

const same = (a: Pick<SentTransfer, 'to' | 'amount' | 'currency'>, b: typeof a) =>
  a.to === b.to && a.amount === b.amount && a.currency === b.currency;

export interface RecentTransfers {
  /** Notes a transfer sent (or perhaps sent); the same transfer noted again replaces its entry. */
  record(t: SentTransfer): void;
  /** The latest matching transfer in the last 10 minutes, if any. */
  find(t: Pick<SentTransfer, 'to' | 'amount' | 'currency'>): SentTransfer | undefined;
  /**
   * The bank refused the transfer last noted as perhaps sent (not enough money, say): nothing moved, so
   * sending it again is no repeat. Its note goes; one that went through, or an earlier one never
   * answered, stays.
   */
  refused(t: Pick<SentTransfer, 'to' | 'amount' | 'currency'>): void;
}

const write = (storage: KeyValue | undefined, list: SentTransfer[]) => {
  try {
    storage?.setItem(ITEM, JSON.stringify(list.slice(-KEPT)));
  } catch {
    // Storage full or disabled: the server's history still answers for transfers that went through.
  }
};

export const recentTransfers = (
  now: () => number = () => Date.now(),
  storage: KeyValue | undefined = browserSession(),
): RecentTransfers => ({
  record(t) {
    const keep = read(storage).filter(
      (r) => now() - r.at < REPEAT_WINDOW_MS && !(same(r, t) && r.at === t.at),
    );
    write(storage, [...keep, t]);
  },
  find(t) {
    return read(storage)
      .filter((r) => same(r, t) && now() - r.at < REPEAT_WINDOW_MS && r.at <= now())
      .sort((a, b) => b.at - a.at)[0];
  },
  refused(t) {
    const list = read(storage);
    const last = list.filter((r) => same(r, t) && r.outcome === 'unknown').sort((a, b) => b.at - a.at)[0];
    if (last)
      write(
        storage,
        list.filter((r) => r !== last),
      );
  },
});

/** Whether a history entry is the same transfer as `t`, sent within the window before `nowMs`. */
export const isRepeatOf = (
  entry: {
    type: string;
    status: string;
    amount: number;
    currency: string;
    createdAt: string;
    counterparty: { accountNumber: string } | null;
  },
  t: Pick<SentTransfer, 'to' | 'amount' | 'currency'>,
  nowMs: number,
): boolean =>
  entry.type === 'transfer' &&
  entry.status !== 'voided' &&
  entry.status !== 'expired' &&
  entry.amount === -t.amount &&
  entry.currency === t.currency &&
  entry.counterparty?.accountNumber === t.to &&
  nowMs - Date.parse(entry.createdAt) < REPEAT_WINDOW_MS;

/**
 * The end of a session, for whatever reason (a logout, the idle timeout, a session expired), forgets
 * what this tab sent: the next customer on a shared computer finds no trace of it. A held intent whose
 * outcome is unknown stays (idempotency.ts): it holds the key the same customer resumes with.
 */
export const forgetRecentTransfers = (storage: KeyValue | undefined = browserSession()): void => {
  try {
    storage?.removeItem(ITEM);
  } catch {
    // Storage disabled: nothing was kept.
  }
};
