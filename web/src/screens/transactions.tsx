/**
 * Transactions: an account's history with filters (date range, type, status), each row opening the
 * transaction's own screen: a printable receipt, where the sender of a pending transfer posts or
 * voids it and the recipient of a transfer refunds it. Also the account's pending transfers and the
 * dashboard's recent activity.
 */
import type { ComponentChildren } from 'preact';
import { useRef, useState } from 'preact/hooks';
import type { Account, HistoryEntry } from '../api.ts';
import { moneyApi, type Transaction } from '../api-money.ts';
import { explain } from '../errors.ts';
import { UnknownOutcome, useHeldIntent } from '../held-intent.tsx';
import {
  historyFilters,
  historyPath,
  isFiltered,
  readHistoryQuery,
  STATUS_LABEL,
  TX_LABEL,
} from '../history-query.ts';
import { formatMoney, parseAmount } from '../money.ts';
import { focusRow, useMore } from '../more.ts';
import { refundLeft } from '../refund.ts';
import {
  accountName,
  Empty,
  Field,
  FormError,
  Link,
  Loading,
  LoadState,
  Money,
  Outcome,
  Page,
  ShowMore,
  SubmitButton,
  useApp,
  useFocusOnceRead,
  useForm,
  useLoad,
} from '../ui.tsx';

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const when = (iso: string) => dateFormat.format(new Date(iso));

const counterpartyText = (e: HistoryEntry): string | null => {
  if (!e.counterparty) return null;
  const who = e.counterparty.name
    ? `${e.counterparty.name} (${e.counterparty.accountNumber})`
    : `account ${e.counterparty.accountNumber}`;
  return e.amount < 0 ? `To ${who}` : `From ${who}`;
};

/** One history row: the whole row opens the transaction. */
export const HistoryRow = ({ e, showAfter = true }: { e: HistoryEntry; showAfter?: boolean }) => (
  <li tabIndex={-1} data-type={e.type} data-status={e.status}>
    <span class="what">
      <Link to={`/transactions/${e.transactionId}`} class="row-link">
        {e.description || TX_LABEL[e.type]}
      </Link>
    </span>
    <span class="amount">
      <Money minor={e.amount} currency={e.currency} signed />
    </span>
    <span class="meta">
      {TX_LABEL[e.type]}
      {e.status !== 'posted' ? <span class="badge"> {STATUS_LABEL[e.status]}</span> : null}
      {counterpartyText(e) ? <span class="counterparty"> · {counterpartyText(e)}</span> : null}
      {' · '}
      <time dateTime={e.createdAt}>{when(e.createdAt)}</time>
    </span>
    {showAfter && e.balanceAfter !== null ? (
      <span class="after">Balance {formatMoney(e.balanceAfter, e.currency)}</span>
    ) : null}
  </li>
);

/**
 * An account's history: filters (kept in the address, see history-query.ts), newest first, "Load
 * more". Its parent keys it by the address's query, so Back and Forward show their own filters.
 */
export const AccountHistory = ({ account }: { account: Account }) => {
  const { api, query, navigate } = useApp();
  const m = moneyApi(api);
  const asked = readHistoryQuery(query);
  const form = useForm(asked, 'filter-error');
  const filters = historyFilters(asked);
  const load = useLoad(() => m.history(account.id, filters), [account.id, JSON.stringify(filters)]);
  const [more, setMore] = useState<{ items: HistoryEntry[]; cursor: string | null } | undefined>();
  const [loadingMore, setLoadingMore] = useState(false);
  const [moreError, setMoreError] = useState<string | undefined>();
  const listRef = useRef<HTMLOListElement>(null);

  const apply = form.submit(
    () => ({
      to:
        form.values.from && form.values.to && form.values.from > form.values.to
          ? 'The end date must not be before the start date.'
          : undefined,
    }),
    async () => navigate(historyPath(account.id, form.values)),
  );
  const clear = () => navigate(historyPath(account.id));
  const filtered = isFiltered(asked);

  const first = load.state === 'ok' ? load.data : undefined;
  const items = [...(first?.items ?? []), ...(more?.items ?? [])];
  const cursor = more ? more.cursor : (first?.nextCursor ?? null);

  const loadMore = async () => {
    if (loadingMore || !cursor) return;
    setLoadingMore(true);
    setMoreError(undefined);
    const before = items.length;
    try {
      const page = await m.history(account.id, filters, cursor);
      setMore({ items: [...(more?.items ?? []), ...page.items], cursor: page.nextCursor });
      if (!page.nextCursor) {
        // The button goes away: keep keyboard focus in the list, on the first new entry.
        requestAnimationFrame(() => focusRow(listRef.current, before));
      }
    } catch (e) {
      setMoreError(explain(e).message);
    } finally {
      setLoadingMore(false);
    }
  };

  const select = (name: 'type' | 'status', label: string, options: [string, string][]) => (
    <div class="field">
      <label for={`f-${name}`}>{label}</label>
      <select
        id={`f-${name}`}
        name={name}
        value={form.values[name]}
        onChange={(e) => form.set(name, e.currentTarget.value)}
      >
        <option value="">All</option>
        {options.map(([v, l]) => (
          <option key={v} value={v}>
            {l}
          </option>
        ))}
      </select>
    </div>
  );

  return (
    <section aria-labelledby="history-title">
      <h2 id="history-title">Transactions</h2>
      <details class="filters" open={filtered}>
        <summary>Filter transactions</summary>
        <form onSubmit={apply} noValidate class="filter-form">
          <div class="field">
            <label for="f-from">From date</label>
            <input
              id="f-from"
              name="from"
              type="date"
              value={form.values.from}
              onInput={(e) => form.set('from', e.currentTarget.value)}
            />
          </div>
          <div class="field">
            <label for="f-to">To date</label>
            <input
              id="f-to"
              name="to"
              type="date"
              value={form.values.to}
              aria-invalid={form.fields.to ? 'true' : undefined}
              aria-describedby={form.fields.to ? 'f-to-error' : undefined}
              onInput={(e) => form.set('to', e.currentTarget.value)}
            />
            {form.fields.to ? (
              <span class="field-error" id="f-to-error">
                {form.fields.to}
              </span>
            ) : null}
          </div>
          {select('type', 'Type', Object.entries(TX_LABEL))}
          {select('status', 'Status', Object.entries(STATUS_LABEL))}
          <FormError {...form.error} />
          <div class="actions">
            <button type="submit" class="primary">
              Apply filters
            </button>
            {filtered ? (
              <button type="button" onClick={clear}>
                Clear filters
              </button>
            ) : null}
          </div>
        </form>
      </details>
      <LoadState load={load} what="the transactions" />
      {load.state === 'ok' && items.length === 0 ? (
        <Empty>
          <p>
            {!filtered
              ? 'No transactions yet.'
              : cursor
                ? // The bank searches so far back per page (a filter that rarely matches): more may be older.
                  'No transactions match these filters among the latest searched. Load more to search further back.'
                : 'No transactions match these filters.'}
          </p>
        </Empty>
      ) : null}
      {items.length > 0 ? (
        <ol class="history" ref={listRef}>
          {items.map((e) => (
            <HistoryRow key={e.transactionId} e={e} />
          ))}
        </ol>
      ) : null}
      <FormError message={moreError} />
      {cursor ? (
        <div class="actions">
          <SubmitButton type="button" class="" busy={loadingMore} busyText="Loading more…" onClick={loadMore}>
            Load more
          </SubmitButton>
        </div>
      ) : null}
      {loadingMore ? <Loading>Loading more transactions…</Loading> : null}
    </section>
  );
};

/** The account's pending outgoing transfers, and what "available" means. */
export const PendingTransfers = ({ account }: { account: Account }) => {
  const { api } = useApp();
  const page = (cursor: string | null) =>
    moneyApi(api).history(account.id, { status: 'pending' }, cursor, 50);
  const load = useLoad(() => page(null), [account.id]);
  // A page at a time (50, and up to 100 may be held): only a null nextCursor says the list is done. A
  // page may also end early, when the bank has searched so far back for pending ones (or hold none but
  // incoming credits): the rest is offered, never "No pending transfers".
  const more = useMore<HistoryEntry>((cursor) => page(cursor));
  const { items: all, cursor } =
    load.state === 'ok' ? more.after(load.data) : { items: [] as HistoryEntry[], cursor: null };
  // Outgoing only: the pending history also lists the account's incoming credits not yet settled (a
  // hot recipient's, for a moment), which hold nothing of this account's; the account shows them as
  // Incoming, and its history as pending.
  const items = all.filter((e) => e.amount < 0);
  return (
    <section aria-labelledby="pending-title">
      <h2 id="pending-title">Pending transfers</h2>
      <p class="muted" data-testid="available-explained">
        Available is your balance minus money held for pending transfers
        {account.held > 0 ? ` (${formatMoney(account.held, account.currency)} held now)` : ''}.
      </p>
      <LoadState load={load} what="pending transfers" />
      {load.state === 'ok' && items.length === 0 ? (
        <p>
          {cursor
            ? 'No pending transfers among the latest searched. Show more to search further back.'
            : 'No pending transfers.'}
        </p>
      ) : null}
      {items.length > 0 ? (
        <ol class="history" aria-label="Pending transfers" ref={more.listRef}>
          {items.map((e) => (
            <HistoryRow key={e.transactionId} e={e} showAfter={false} />
          ))}
        </ol>
      ) : null}
      <ShowMore more={more} cursor={cursor}>
        Show more pending transfers
      </ShowMore>
    </section>
  );
};

/** The dashboard's latest movements across the open accounts. */
export const RecentActivity = ({ accounts }: { accounts: Account[] }) => {
  const { api } = useApp();
  const ids = accounts.map((a) => a.id);
  const load = useLoad(async () => {
    const m = moneyApi(api);
    const pages = await Promise.all(ids.slice(0, 10).map((id) => m.history(id, {}, null, 5)));
    return pages
      .flatMap((p) => p.items)
      .sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1))
      .slice(0, 5);
  }, [ids.join()]);
  return (
    <section aria-labelledby="recent-title">
      <h2 id="recent-title">Recent activity</h2>
      <LoadState load={load} what="recent activity" />
      {load.state === 'ok' && load.data.length === 0 ? <p>No transactions yet.</p> : null}
      {load.state === 'ok' && load.data.length > 0 ? (
        <ol class="history" data-testid="recent-activity">
          {load.data.map((e) => (
            <HistoryRow key={`${e.transactionId}${e.amount}`} e={e} showAfter={false} />
          ))}
        </ol>
      ) : null}
    </section>
  );
};

/** A transaction: the receipt, and what the customer may still do with it. */
export const TransactionDetail = ({ id }: { id: string }) => {
  const { api } = useApp();
  const m = moneyApi(api);
  const load = useLoad(() => Promise.all([m.transaction(id), api.accounts()]), [id]);
  const [flash, setFlash] = useState<string | undefined>();
  const [refusal, setRefusal] = useState<string | undefined>();
  const lastRefusal = useRef<string | undefined>(undefined);
  // The words that say what came of a release, cancel or refund, focused once the transfer read again shows them.
  const focusOnceRead = useFocusOnceRead(load);

  if (load.state !== 'ok') {
    return (
      <Page narrow title="Transaction">
        <LoadState load={load} what="the transaction" />
      </Page>
    );
  }
  const [tx, { items: accounts }] = load.data;
  const mine = new Map(accounts.map((a) => [a.id, a]));
  const from = tx.fromAccountId ? mine.get(tx.fromAccountId) : undefined;
  const to = tx.toAccountId ? mine.get(tx.toAccountId) : undefined;
  const sender = from !== undefined;
  const recipient = to !== undefined && !sender;
  const refundable = recipient && tx.type === 'transfer' && tx.status === 'posted' && refundLeft(tx) > 0;
  const done = (message: string) => {
    setRefusal(undefined);
    setFlash(message);
    focusOnceRead('tx-done');
    load.reload();
  };
  // A release or cancel refused (the transfer was cancelled, released or expired meanwhile): say why,
  // and read the transfer again, so the receipt shows what it is now, not "pending".
  // (Once per refusal: a refusal written down is handed again to a form mounted at once, and must not
  // read the transfer again each time.)
  const refused = (message: string) => {
    setFlash(undefined);
    setRefusal(message);
    const readAgain = lastRefusal.current !== message;
    focusOnceRead('pending-error', readAgain);
    if (!readAgain) return;
    lastRefusal.current = message;
    load.reload();
  };
  // A release, cancel or refund given up (it may have been done): read the transfer again, so the
  // screen offers what is still left to do with it, not the action that one more click would repeat.
  const forgotten = () => {
    setFlash(undefined);
    setRefusal(undefined);
    load.reload();
  };

  return (
    <Page
      narrow
      title={`${TX_LABEL[tx.type]} ${tx.status === 'posted' ? '' : `(${STATUS_LABEL[tx.status].toLowerCase()})`}`.trim()}
    >
      {flash ? <Outcome id="tx-done">{flash}</Outcome> : null}
      <FormError message={refusal} id="pending-error" focused />
      <Receipt tx={tx} from={from} to={to} />
      <div class="actions no-print">
        <button type="button" onClick={() => print()}>
          Print receipt
        </button>
        {from ? <Link to={`/accounts/${from.id}`}>Back to {accountName(from)}</Link> : null}
        {!from && to ? <Link to={`/accounts/${to.id}`}>Back to {accountName(to)}</Link> : null}
      </div>
      {sender && tx.status === 'pending' ? (
        <PendingActions tx={tx} onDone={done} onRefused={refused} onForgotten={forgotten} />
      ) : null}
      {refundable ? <RefundForm tx={tx} onDone={done} onForgotten={forgotten} /> : null}
    </Page>
  );
};

/** One line of the receipt: its label and what it says. */
const Line = ({
  label,
  testId,
  children,
}: {
  label: string;
  testId?: string;
  children: ComponentChildren;
}) => (
  <>
    <dt>{label}</dt>
    <dd data-testid={testId}>{children}</dd>
  </>
);

const Receipt = ({
  tx,
  from,
  to,
}: {
  tx: Transaction;
  from: Account | undefined;
  to: Account | undefined;
}) => (
  <dl class="summary receipt" data-testid="receipt">
    <dt>Amount</dt>
    <dd class="big">
      <Money minor={tx.amount} currency={tx.currency} />
    </dd>
    <dt>Status</dt>
    <dd>{STATUS_LABEL[tx.status]}</dd>
    {tx.fromAccountNumber ? (
      <>
        <dt>From</dt>
        <dd>
          {from ? `${accountName(from)} ` : ''}
          {tx.fromAccountNumber}
        </dd>
      </>
    ) : null}
    {tx.toAccountNumber ? (
      <>
        <dt>To</dt>
        <dd>
          {to ? `${accountName(to)} ` : ''}
          {tx.toAccountNumber}
        </dd>
      </>
    ) : null}
    {tx.description ? (
      <>
        <dt>Description</dt>
        <dd>{tx.description}</dd>
      </>
    ) : null}
    {tx.metadata?.note ? (
      <>
        <dt>Your note</dt>
        <dd>{tx.metadata.note}</dd>
      </>
    ) : null}
    <dt>Created</dt>
    <dd>
      <time dateTime={tx.createdAt}>{when(tx.createdAt)}</time>
    </dd>
    {tx.postedAt ? (
      <>
        <dt>Completed</dt>
        <dd>
          <time dateTime={tx.postedAt}>{when(tx.postedAt)}</time>
        </dd>
      </>
    ) : null}
    {tx.expiresAt && tx.status === 'pending' ? (
      <>
        <dt>Cancelled automatically</dt>
        <dd>
          <time dateTime={tx.expiresAt}>{when(tx.expiresAt)}</time>
        </dd>
      </>
    ) : null}
    {tx.refundedAmount ? (
      <Line label="Refunded">
        <Money minor={tx.refundedAmount} currency={tx.currency} />
      </Line>
    ) : null}
    {tx.refundOf ? (
      <Line label="Refund of">
        <Link to={`/transactions/${tx.refundOf}`}>the original transfer</Link>
      </Line>
    ) : null}
    {tx.unclaimed ? (
      <Line label="Returned to the bank" testId="unclaimed">
        {tx.unclaimedPaidOut || tx.unclaimedPaidOutBy ? (
          <>
            The receiving account was closed before the money arrived, so the bank held{' '}
            <Money minor={tx.reversedAmount ?? tx.amount} currency={tx.currency} /> for you, and has{' '}
            {tx.unclaimedPaidOutBy === 'cheque' ? (
              'sent it to you by cheque.'
            ) : tx.unclaimedPaidOutBy === 'escheat' ? (
              'handed it, unclaimed, to the state: claim it from the state\u2019s unclaimed property office.'
            ) : (
              <>
                <Link to={`/transactions/${tx.unclaimedPaidOut}`}>paid it back to you</Link>.
              </>
            )}
          </>
        ) : (
          <>
            The receiving account was closed before the money arrived, and this account is closed too, so the
            bank holds <Money minor={tx.reversedAmount ?? tx.amount} currency={tx.currency} /> for you.
            Contact us, and we will pay it into an account in your name.
          </>
        )}
      </Line>
    ) : tx.reversedAmount ? (
      <Line label="Reversed by the bank" testId="reversed-amount">
        <Money minor={tx.reversedAmount} currency={tx.currency} />
      </Line>
    ) : null}
    {tx.reverses ? (
      <Line label="Reversal of">
        <Link to={`/transactions/${tx.reverses}`}>the original transaction</Link>
      </Line>
    ) : null}
    {tx.balanceAfter !== undefined ? (
      <Line label="Balance after">
        <Money minor={tx.balanceAfter} currency={tx.currency} />
      </Line>
    ) : null}
    <dt>Reference</dt>
    <dd class="reference">{tx.id}</dd>
  </dl>
);

/** Post (release the money) or void (cancel) a pending transfer. */
const PendingActions = ({
  tx,
  onDone,
  onRefused,
  onForgotten,
}: {
  tx: Transaction;
  onDone(message: string): void;
  onRefused(message: string): void;
  onForgotten(): void;
}) => {
  const { api } = useApp();
  const m = moneyApi(api);
  const form = useForm({}, 'pending-actions-error');
  // Refused, at once or when asked again (or answered while the customer was away): nothing moved. The
  // page says why and reads the transfer again.
  const refused = (what: string) => (e: unknown) => onRefused(`${what} ${explain(e).message ?? ''}`.trim());
  const post = useHeldIntent<{ id: string }, Transaction>(
    `post:${tx.id}`,
    (p, key) => m.postTransfer(p.id, undefined, key),
    (r) => onDone(`Released: ${formatMoney(r.amount, r.currency)} went to account ${r.toAccountNumber}.`),
    refused('The money was not released.'),
    onForgotten,
  );
  const cancel = useHeldIntent<{ id: string }, Transaction>(
    `void:${tx.id}`,
    (p, key) => m.voidTransfer(p.id, key),
    (r) => onDone(`Cancelled: ${formatMoney(r.amount, r.currency)} is available again.`),
    refused('The transfer was not cancelled.'),
    onForgotten,
  );
  const unknown = post.unknown ? post : cancel.unknown ? cancel : undefined;
  if (unknown) return <UnknownOutcome state={unknown} then="page-title" />;
  return (
    <section aria-labelledby="pending-actions-title" class="no-print">
      <h2 id="pending-actions-title">This transfer is pending</h2>
      <p>
        {formatMoney(tx.amount, tx.currency)} is held on your account. Release it to send it now, or cancel it
        to make it available again.
      </p>
      <FormError {...form.error} />
      <div class="actions">
        <SubmitButton
          type="button"
          busy={form.busy}
          busyText="Working…"
          onClick={form.submit(
            () => undefined,
            () => post.submit({ id: tx.id }).catch(refused('The money was not released.')),
          )}
        >
          Release the money
        </SubmitButton>
        <SubmitButton
          type="button"
          class="danger"
          busy={form.busy}
          busyText="Working…"
          onClick={form.submit(
            () => undefined,
            () => cancel.submit({ id: tx.id }).catch(refused('The transfer was not cancelled.')),
          )}
        >
          Cancel the transfer
        </SubmitButton>
      </div>
    </section>
  );
};

/** Refund part or all of a transfer received. */
const RefundForm = ({
  tx,
  onDone,
  onForgotten,
}: {
  tx: Transaction;
  onDone(message: string): void;
  onForgotten(): void;
}) => {
  const { api } = useApp();
  const m = moneyApi(api);
  const left = refundLeft(tx);
  const form = useForm({ amount: '', description: '' }, 'refund-error');
  const held = useHeldIntent<{ id: string; amount: number; description?: string }, Transaction>(
    `refund:${tx.id}`,
    ({ id, ...body }, key) => m.refund(id, body, key),
    (r) => onDone(`Refunded ${formatMoney(r.amount, r.currency)}.`),
    (e) => form.show({ fields: {}, message: `The refund was not made. ${explain(e).message ?? ''}`.trim() }),
    onForgotten,
  );
  const parsed = form.values.amount.trim() ? parseAmount(form.values.amount, tx.currency) : undefined;
  const submit = form.submit(
    () => ({
      amount:
        parsed && !parsed.ok
          ? parsed.message
          : parsed?.ok && parsed.minor > left
            ? `You can refund at most ${formatMoney(left, tx.currency)}.`
            : undefined,
    }),
    () => {
      const description = form.values.description.trim();
      return held.submit({
        id: tx.id,
        amount: parsed?.ok ? parsed.minor : left,
        ...(description ? { description } : {}),
      });
    },
  );
  if (held.unknown) return <UnknownOutcome state={held} then="f-amount" />;
  return (
    <section aria-labelledby="refund-title" class="no-print">
      <h2 id="refund-title">Refund this transfer</h2>
      <form onSubmit={submit} noValidate>
        <Field
          label={`Amount to refund (${tx.currency})`}
          hint={`Leave it empty to refund all that is left: ${formatMoney(left, tx.currency)}.`}
          inputMode="decimal"
          autocomplete="off"
          {...form.bind('amount')}
        />
        <Field label="Description (optional)" maxLength={140} {...form.bind('description')} />
        <FormError {...form.error} />
        <div class="actions">
          <SubmitButton busy={form.busy} busyText="Refunding…">
            Refund
          </SubmitButton>
        </div>
      </form>
    </section>
  );
};
