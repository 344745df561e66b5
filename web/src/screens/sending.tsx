/**
 * What the forms that send money from one of the customer's accounts share (a transfer, a bulk
 * payment): the accounts, payees and limits they start from and refresh after a refusal, the "From"
 * choice, the screen without an account to send from, the way back from the review, and "You sent
 * this already".
 */
import { useState } from 'preact/hooks';
import type { Account } from '../api.ts';
import { type Limits, type MoneyApi, moneyApi } from '../api-money.ts';
import { formatMoney } from '../money.ts';
import { isRepeatOf, REPEAT_WINDOW_MS, type RecentTransfers, type SentTransfer } from '../recent.ts';
import { accountName, Link, LoadState, Page, useApp, useLoad } from '../ui.tsx';

/**
 * The customer's accounts, saved payees and today's limits; `refresh` reads the balances and limits
 * again (after a refusal, say) without blanking the form; `freshLimits` reads the limits now.
 */
export const useSending = () => {
  const { api } = useApp();
  const m = moneyApi(api);
  const load = useLoad(
    () => Promise.all([api.accounts(), m.payees(), m.limits().catch(() => undefined)]),
    [],
  );
  const [limitsNow, setLimitsNow] = useState<Limits | undefined>();
  const [accountsNow, setAccountsNow] = useState<Account[] | undefined>();
  const data = load.state === 'ok' ? load.data : undefined;
  const accounts = accountsNow ?? data?.[0].items ?? [];
  const limits = limitsNow ?? data?.[2];
  return {
    load,
    /** The accounts money can leave: the active ones. */
    sources: accounts.filter((a) => a.status === 'active'),
    payees: data?.[1].items ?? [],
    limits,
    refresh: () => {
      api.accounts().then(
        (r) => setAccountsNow(r.items),
        () => undefined,
      );
      m.limits().then(setLimitsNow, () => undefined);
    },
    freshLimits: async (): Promise<Limits | undefined> => {
      const fresh = await m.limits().catch(() => limits);
      if (fresh) setLimitsNow(fresh);
      return fresh;
    },
  };
};

/** Loading, a failed load, or no open account to send from (with the way to open one). */
export const NoSource = ({ title, load }: { title: string; load: ReturnType<typeof useSending>['load'] }) => (
  <Page narrow title={title}>
    <LoadState load={load} what="your accounts" />
    {load.state === 'ok' ? (
      <>
        <p>You need an open account to send money from.</p>
        <Link to="/accounts/new" class="button primary">
          Open an account
        </Link>
      </>
    ) : null}
  </Page>
);

/**
 * The account to send from: the one asked for (by a link's `?from=`, or chosen), else the first that
 * can send. `gone` when one was asked for but cannot send now (closed or frozen since the link was
 * made, or no longer listed after a refresh): `from` is then the first account, for the form's
 * arithmetic only; the choice shows nobody chosen and the review waits until the customer chooses,
 * where the first account would have been debited without a word.
 */
export const sourceOf = (sources: readonly Account[], wanted: string): { from?: Account; gone: boolean } => {
  const asked = sources.find((a) => a.id === wanted);
  return { from: asked ?? sources[0], gone: wanted !== '' && !asked };
};

/** What the review says while the account asked for cannot send. */
export const SOURCE_GONE = 'Choose the account to send from.';

/** The account the money leaves, with what it has available; nobody chosen while `gone`. */
export const FromAccount = ({
  sources,
  from,
  gone,
  error,
  onChange,
}: {
  sources: readonly Account[];
  from: Account;
  gone: boolean;
  error?: string;
  onChange(id: string): void;
}) => (
  <div class="field">
    <label for="f-fromAccountId">From</label>
    {gone ? (
      <span class="hint" id="f-fromAccountId-hint">
        The account you chose cannot send money now. Choose the account to send from.
      </span>
    ) : null}
    <select
      id="f-fromAccountId"
      name="fromAccountId"
      value={gone ? '' : from.id}
      aria-invalid={error ? 'true' : undefined}
      aria-describedby={
        [gone ? 'f-fromAccountId-hint' : '', error ? 'f-fromAccountId-error' : '']
          .filter(Boolean)
          .join(' ') || undefined
      }
      onChange={(e) => onChange(e.currentTarget.value)}
    >
      {gone ? (
        <option value="" disabled>
          Choose an account
        </option>
      ) : null}
      {sources.map((a) => (
        <option key={a.id} value={a.id}>
          {accountName(a)} {a.number} ({formatMoney(a.available, a.currency)})
        </option>
      ))}
    </select>
    {error ? (
      <span class="field-error" id="f-fromAccountId-error">
        {error}
      </span>
    ) : null}
  </div>
);

/** Back from the review to the details; not while the money is being sent. */
export const ChangeDetails = ({ busy, onBack }: { busy: boolean; onBack(): void }) => (
  <button
    type="button"
    onClick={() => {
      if (!busy) onBack();
    }}
    aria-disabled={busy ? 'true' : undefined}
  >
    Change details
  </button>
);

/** A transfer sent (or perhaps sent) lately: when, and whether it is known to have gone through. */
export interface Earlier {
  at: number;
  outcome: SentTransfer['outcome'];
}

/**
 * For each of `sends` from `fromId`, the same transfer (account number, amount, currency) sent or
 * perhaps sent in the last 10 minutes: this tab's record first (recent.ts), then the account's history
 * (one page of its latest transfers, read only when the record does not answer them all).
 */
export const earlierSends = async (
  recent: RecentTransfers,
  m: Pick<MoneyApi, 'history'>,
  fromId: string,
  sends: readonly Pick<SentTransfer, 'to' | 'amount' | 'currency'>[],
): Promise<(Earlier | undefined)[]> => {
  const mine: (Earlier | undefined)[] = sends.map((t) => recent.find(t));
  if (mine.every(Boolean)) return mine;
  const since = new Date(Date.now() - REPEAT_WINDOW_MS).toISOString();
  const page = await m.history(fromId, { from: since, type: 'transfer' }, null, 100).catch(() => undefined);
  const now = Date.now();
  return sends.map((t, i) => {
    if (mine[i]) return mine[i];
    const hit = page?.items.find((e) => isRepeatOf(e, t, now));
    return hit ? { at: Date.parse(hit.createdAt), outcome: 'succeeded' } : undefined;
  });
};
