/**
 * The back office (bank staff): find a customer, the customer view (profile, login status,
 * accounts; unlock, disable, enable), an account (freeze and unfreeze with a reason, teller cash,
 * history), a transaction (reversal; unclaimed funds and their payout) and the audit list. Loaded
 * on demand (a dynamic import from app.tsx), so customers never download it. The server enforces
 * every rule; refusals are shown in plain words (src/errors.ts).
 */
import { useRef, useState } from 'preact/hooks';
import {
  auditPath,
  dayRange,
  dayRangeProblem,
  loginActionRefusal,
  matchAdmin,
  reasonProblem,
  referenceProblem,
} from '../../admin/access.ts';
import {
  canPayOut,
  canReverse,
  PAYOUT_WAYS,
  payoutBody,
  payoutDestination,
  payoutFieldProblems,
  payoutProblem,
  payoutRefusal,
} from '../../admin/unclaimed.ts';
import {
  type AdminAccount,
  type AdminApi,
  type AdminTransaction,
  type AuditRecord,
  adminApi,
  type CustomerSummary,
  type UnclaimedPayoutBody,
} from '../../admin-api.ts';
import type { HistoryEntry } from '../../api.ts';
import { explain } from '../../errors.ts';
import { UnknownOutcome, useHeldIntent } from '../../held-intent.tsx';
import { formatMoney, parseAmount } from '../../money.ts';
import { useMore } from '../../more.ts';
import {
  accountName,
  Field,
  FormError,
  Link,
  type Load,
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
} from '../../ui.tsx';

const useAdmin = (): AdminApi => {
  const { api } = useApp();
  const ref = useRef<AdminApi | undefined>(undefined);
  ref.current ??= adminApi(api);
  return ref.current;
};

/** The data last loaded: kept on screen while a reload after an action runs. */
const useLast = <T,>(load: Load<T>): T | undefined => {
  const last = useRef<T | undefined>(undefined);
  if (load.state === 'ok') last.current = load.data;
  return last.current;
};

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const when = (iso: string | null | undefined) => (iso ? dateFormat.format(new Date(iso)) : '—');

const STATUS: Record<AdminAccount['status'], string> = {
  active: 'Active',
  frozen: 'Frozen',
  closed: 'Closed',
};
const TX: Record<HistoryEntry['type'], string> = {
  deposit: 'Deposit',
  withdrawal: 'Withdrawal',
  transfer: 'Transfer',
  refund: 'Refund',
  reversal: 'Reversal',
};

/** A result announced to screen readers, next to the action that caused it. */
const Done = ({ message }: { message: string | undefined }) =>
  message ? (
    <p class="notice" role="status">
      {message}
    </p>
  ) : null;

const BackLinks = ({ audit }: { audit?: string }) => (
  <p class="admin-links">
    <Link to="/admin">Find a customer</Link>
    {audit ? (
      <>
        {' · '}
        <Link to={auditPath({ subjectId: audit })}>Audit trail</Link>
      </>
    ) : null}
  </p>
);

export const AdminView = ({ pathname }: { pathname: string }) => {
  const { query } = useApp();
  const screen = matchAdmin(pathname);
  switch (screen.name) {
    case 'search':
      return <Search />;
    case 'customer':
      return <Customer id={screen.id} key={screen.id} />;
    case 'account':
      return <AccountView id={screen.id} key={screen.id} />;
    case 'transaction':
      return <TransactionView id={screen.id} key={screen.id} />;
    case 'audit':
      return <Audit key={query.toString()} />;
    case 'notFound':
      return (
        <Page title="Page not found">
          <p>
            There is nothing at this address. <Link to="/admin">Go to the back office</Link>.
          </p>
        </Page>
      );
  }
};

// ---------- search ----------

const Search = () => {
  const admin = useAdmin();
  const { navigate } = useApp();
  const form = useForm({ email: '' }, 'search-error');
  const byNumber = useForm({ number: '' }, 'number-error');
  const [found, setFound] = useState<{ email: string; items: CustomerSummary[] } | undefined>();

  const search = form.submit(
    () => ({ email: /^\S+@\S+$/.test(form.values.email.trim()) ? undefined : 'Enter an email address.' }),
    async () => {
      const email = form.values.email.trim();
      setFound({ email, items: (await admin.findCustomer(email)).items });
    },
  );
  const find = byNumber.submit(
    () => ({
      number: /^\d{10}$/.test(byNumber.values.number.replace(/\s/g, ''))
        ? undefined
        : 'Enter the 10-digit account number.',
    }),
    async () => {
      const a = await admin.accountByNumber(byNumber.values.number.replace(/\s/g, ''));
      navigate(`/admin/accounts/${a.id}`);
    },
  );

  return (
    <Page narrow title="Back office">
      <form onSubmit={search} noValidate aria-labelledby="find-customer">
        <h2 id="find-customer">Find a customer</h2>
        <Field label="Customer email" type="email" autocomplete="off" {...form.bind('email')} />
        <FormError {...form.error} />
        <div class="actions">
          <SubmitButton busy={form.busy} busyText="Searching…">
            Search
          </SubmitButton>
        </div>
      </form>
      {found ? (
        <section aria-labelledby="results">
          <h2 id="results">Results</h2>
          {found.items.length === 0 ? (
            <p role="status">No customer has the email {found.email}.</p>
          ) : (
            <ul class="account-list">
              {found.items.map((c) => (
                <li key={c.userId}>
                  <Link to={`/admin/customers/${c.userId}`} class="account-link">
                    <span class="account-name">{c.name}</span>
                    <span class="account-meta">
                      {c.email} · customer since {when(c.createdAt)}
                    </span>
                  </Link>
                </li>
              ))}
            </ul>
          )}
        </section>
      ) : null}
      <form onSubmit={find} noValidate aria-labelledby="find-account">
        <h2 id="find-account">Find an account</h2>
        <Field label="Account number" inputMode="numeric" autocomplete="off" {...byNumber.bind('number')} />
        <FormError {...byNumber.error} />
        <div class="actions">
          <SubmitButton busy={byNumber.busy} busyText="Finding…" class="">
            Open account
          </SubmitButton>
        </div>
      </form>
      <p>
        <Link to="/admin/audit">Audit trail</Link>
      </p>
    </Page>
  );
};

// ---------- customer ----------

const Customer = ({ id }: { id: string }) => {
  const admin = useAdmin();
  const load = useLoad(() => admin.customer(id), [id]);
  const form = useForm({ reason: '' }, 'login-error');
  const [done, setDone] = useState<string | undefined>();

  const act = (kind: 'unlock' | 'disable' | 'enable') =>
    form.submit(
      () => ({ reason: reasonProblem(form.values.reason, kind === 'disable') }),
      async () => {
        setDone(undefined);
        const reason = form.values.reason.trim();
        try {
          if (kind === 'disable') await admin.disable(id, reason);
          else if (kind === 'enable') await admin.enable(id, reason || undefined);
          else await admin.unlock(id, reason || undefined);
        } catch (e) {
          const refused = loginActionRefusal(e);
          if (!refused) throw e;
          return form.show({ fields: {}, message: refused });
        }
        form.reset();
        setDone(
          kind === 'disable'
            ? 'Login disabled.'
            : kind === 'enable'
              ? 'Login enabled again.'
              : 'Login locks cleared.',
        );
        load.reload();
      },
    );

  const c = useLast(load);
  return (
    <Page title={c ? `Customer: ${c.name}` : 'Customer'}>
      {!c ? (
        <LoadState load={load} what="the customer" />
      ) : (
        <>
          <BackLinks audit={c.userId} />
          <dl class="summary">
            <dt>Email</dt>
            <dd data-testid="customer-email">{c.email}</dd>
            <dt>Customer since</dt>
            <dd>{when(c.createdAt)}</dd>
            <dt>User id</dt>
            <dd class="break">{c.userId}</dd>
            <dt>Login</dt>
            <dd data-testid="login-status">
              {c.login.enabled ? 'Enabled' : `Disabled since ${when(c.login.disabledAt)}`}
              {c.login.disabledReason ? ` (${c.login.disabledReason})` : ''}
            </dd>
            <dt>Locked until</dt>
            <dd data-testid="locked-until">
              {c.login.lockedUntil ? when(c.login.lockedUntil) : 'Not locked'}
            </dd>
            <dt>Slowed until</dt>
            <dd>{c.login.slowedUntil ? when(c.login.slowedUntil) : 'Not slowed'}</dd>
          </dl>
          <section aria-labelledby="accounts">
            <h2 id="accounts">Accounts</h2>
            {c.accounts.length === 0 ? (
              <p>No accounts.</p>
            ) : (
              <ul class="account-list">
                {c.accounts.map((a) => (
                  <li key={a.id}>
                    <Link to={`/admin/accounts/${a.id}`} class="account-link">
                      <span class="account-name">{accountName(a)}</span>
                      <span class="account-balance">
                        <span class="visually-hidden">Balance </span>
                        <Money minor={a.balance} currency={a.currency} />
                      </span>
                      <span class="account-meta">
                        No. <span class="account-number">{a.number}</span> · {a.currency}
                        {a.status !== 'active' ? <span class="badge">{STATUS[a.status]}</span> : null}
                      </span>
                    </Link>
                  </li>
                ))}
              </ul>
            )}
          </section>
          <section aria-labelledby="login-actions">
            <h2 id="login-actions">Login</h2>
            <form onSubmit={act(c.login.enabled ? 'disable' : 'enable')} noValidate>
              <Field
                label="Reason"
                hint="Recorded in the audit trail. Required to disable."
                maxLength={500}
                {...form.bind('reason')}
              />
              <FormError {...form.error} />
              <Done message={done} />
              <div class="actions">
                <SubmitButton
                  busy={form.busy}
                  busyText="Saving…"
                  class={c.login.enabled ? 'danger' : 'primary'}
                >
                  {c.login.enabled ? 'Disable login' : 'Enable login'}
                </SubmitButton>
                <SubmitButton
                  busy={form.busy}
                  busyText="Saving…"
                  class=""
                  type="button"
                  onClick={() => void act('unlock')()}
                >
                  Unlock login
                </SubmitButton>
              </div>
            </form>
          </section>
        </>
      )}
    </Page>
  );
};

// ---------- account ----------

type TellerIntent = {
  id: string;
  kind: 'deposit' | 'withdraw';
  amount: number;
  reference: string;
  description?: string;
};
type ReversalIntent = { id: string; amount?: number; reason: string };
type PayoutIntent = { id: string } & UnclaimedPayoutBody;

const AccountView = ({ id }: { id: string }) => {
  const admin = useAdmin();
  const load = useLoad(() => admin.account(id), [id]);
  const [n, setN] = useState(0);
  const a = useLast(load);
  const refresh = () => {
    load.reload();
    setN((x) => x + 1);
  };
  return (
    <Page title={a ? `Account ${a.number}` : 'Account'}>
      {!a ? (
        <LoadState load={load} what="the account" />
      ) : (
        <>
          <BackLinks audit={a.id} />
          <dl class="summary">
            <dt>Owner</dt>
            <dd>
              <Link to={`/admin/customers/${a.ownerId}`}>View the customer</Link>
            </dd>
            <dt>Status</dt>
            <dd data-testid="account-status">{STATUS[a.status]}</dd>
            <dt>Balance</dt>
            <dd data-testid="balance">
              <Money minor={a.balance} currency={a.currency} />
            </dd>
            <dt>Available</dt>
            <dd>
              <Money minor={a.available} currency={a.currency} />
            </dd>
            <dt>Type</dt>
            <dd>
              {accountName(a)} · {a.currency}
            </dd>
            <dt>Account id</dt>
            <dd class="break">{a.id}</dd>
          </dl>
          {a.status === 'closed' ? null : <FreezeForm account={a} onDone={refresh} />}
          {a.status === 'closed' ? null : <TellerForm account={a} onDone={refresh} />}
          <History id={a.id} key={`${a.id}:${n}`} />
        </>
      )}
    </Page>
  );
};

const FreezeForm = ({ account, onDone }: { account: AdminAccount; onDone(): void }) => {
  const admin = useAdmin();
  const form = useForm({ reason: '' }, 'freeze-error');
  const [done, setDone] = useState<string | undefined>();
  const frozen = account.status === 'frozen';
  const submit = form.submit(
    () => ({ reason: reasonProblem(form.values.reason, true) }),
    async () => {
      setDone(undefined);
      const reason = form.values.reason.trim();
      await (frozen ? admin.unfreeze(account.id, reason) : admin.freeze(account.id, reason));
      form.reset();
      setDone(
        frozen ? 'Account unfrozen.' : 'Account frozen: no money moves in or out until it is unfrozen.',
      );
      onDone();
    },
  );
  return (
    <section aria-labelledby="freeze">
      <h2 id="freeze">{frozen ? 'Unfreeze' : 'Freeze'}</h2>
      <Done message={done} />
      <form onSubmit={submit} noValidate>
        <Field
          name="reason"
          label={frozen ? 'Reason to unfreeze' : 'Reason to freeze'}
          hint="Recorded in the audit trail."
          maxLength={500}
          value={form.values.reason}
          onValue={(v) => form.set('reason', v)}
          error={form.fields.reason}
        />
        <FormError {...form.error} />
        <div class="actions">
          <SubmitButton busy={form.busy} busyText="Saving…" class={frozen ? 'primary' : 'danger'}>
            {frozen ? 'Unfreeze account' : 'Freeze account'}
          </SubmitButton>
        </div>
      </form>
    </section>
  );
};

const TellerForm = ({ account, onDone }: { account: AdminAccount; onDone(): void }) => {
  const admin = useAdmin();
  const form = useForm({ amount: '', reference: '', description: '' }, 'teller-error');
  const [kind, setKind] = useState<'deposit' | 'withdraw'>('deposit');
  const [done, setDone] = useState<{ text: string; tx: string } | undefined>();
  // Held in sessionStorage until its outcome is definite, as the customer's money forms are: an
  // answer lost, then a reload or an edit, asks again with the same key instead of paying twice.
  const held = useHeldIntent<TellerIntent, AdminTransaction>(
    `teller:${account.id}`,
    ({ id: _id, kind: k, ...body }, key) => admin.teller(account.id, k, body, key),
    (tx, p) => {
      form.reset();
      setDone({
        text: `${p.kind === 'deposit' ? 'Paid in' : 'Paid out'} ${formatMoney(tx.amount, tx.currency)} (reference ${p.reference}).`,
        tx: tx.id,
      });
      onDone();
    },
    (e) => form.show({ fields: {}, message: `It was not done. ${explain(e).message ?? ''}` }),
    () => {
      // Given up (it may have gone through): an empty form, never the cash one more click would post.
      form.reset();
      form.clear();
    },
  );
  const parsed = parseAmount(form.values.amount, account.currency);
  const submit = form.submit(
    () => ({
      amount: parsed.ok ? undefined : parsed.message,
      reference: referenceProblem(form.values.reference),
    }),
    async () => {
      if (!parsed.ok) return;
      setDone(undefined);
      const reference = form.values.reference.trim();
      const description = form.values.description.trim();
      await held.submit({
        id: account.id,
        kind,
        amount: parsed.minor,
        reference,
        ...(description ? { description } : {}),
      });
    },
  );
  if (held.unknown) {
    const p = held.unknown.payload;
    return (
      <section aria-labelledby="teller">
        <h2 id="teller">Teller cash</h2>
        <UnknownOutcome state={held} then="f-amount">
          <p>
            {p.kind === 'deposit' ? 'Pay in' : 'Pay out'} {formatMoney(p.amount, account.currency)} (reference{' '}
            {p.reference}).
          </p>
        </UnknownOutcome>
      </section>
    );
  }
  return (
    <section aria-labelledby="teller">
      <h2 id="teller">Teller cash</h2>
      {done ? (
        <p class="notice" role="status">
          {done.text} <Link to={`/admin/transactions/${done.tx}`}>View the transaction</Link>
        </p>
      ) : null}
      <form onSubmit={submit} noValidate>
        <fieldset>
          <legend>Cash</legend>
          {(['deposit', 'withdraw'] as const).map((k) => (
            <label class="choice" key={k}>
              <input type="radio" name="teller-kind" checked={kind === k} onChange={() => setKind(k)} />
              {k === 'deposit' ? 'Paid in (deposit)' : 'Paid out (withdrawal)'}
            </label>
          ))}
        </fieldset>
        <Field
          label={`Amount (${account.currency})`}
          inputMode="decimal"
          autocomplete="off"
          {...form.bind('amount')}
        />
        <Field
          label="Reference"
          hint="The slip or receipt number."
          maxLength={64}
          autocomplete="off"
          {...form.bind('reference')}
        />
        <Field label="Description (optional)" maxLength={140} {...form.bind('description')} />
        <FormError {...form.error} />
        <div class="actions">
          <SubmitButton busy={form.busy} busyText="Posting…">
            {kind === 'deposit' ? 'Pay in cash' : 'Pay out cash'}
          </SubmitButton>
        </div>
      </form>
    </section>
  );
};

const History = ({ id }: { id: string }) => {
  const admin = useAdmin();
  const load = useLoad(() => admin.history(id), [id]);
  const more = useMore<HistoryEntry>((cursor) => admin.history(id, cursor));
  const { items, cursor } = load.state === 'ok' ? more.after(load.data) : { items: [], cursor: null };
  return (
    <section aria-labelledby="history">
      <h2 id="history">History</h2>
      {load.state !== 'ok' ? (
        <LoadState load={load} what="the history" />
      ) : items.length === 0 ? (
        <p>No transactions yet.</p>
      ) : (
        <ol class="history" ref={more.listRef}>
          {items.map((e) => (
            <li key={e.transactionId}>
              <Link to={`/admin/transactions/${e.transactionId}`}>{e.description || TX[e.type]}</Link>
              <span class="amount">
                <Money minor={e.amount} currency={e.currency} signed />
              </span>
              <span class="meta">
                {TX[e.type]} · {e.status}
              </span>
            </li>
          ))}
        </ol>
      )}
      <ShowMore more={more} cursor={cursor}>
        Show older
      </ShowMore>
    </section>
  );
};

// ---------- transaction ----------

const Side = ({ label, side }: { label: string; side: AdminTransaction['from'] }) =>
  side ? (
    <>
      <dt>{label}</dt>
      <dd>
        <Link to={`/admin/accounts/${side.accountId}`}>Account {side.accountNumber}</Link>
        {' · '}
        <Link to={`/admin/customers/${side.ownerId}`}>owner</Link>
      </dd>
    </>
  ) : null;

const TransactionView = ({ id }: { id: string }) => {
  const admin = useAdmin();
  const { navigate } = useApp();
  const load = useLoad(() => admin.transaction(id), [id]);
  const form = useForm({ amount: '', reason: '' }, 'reverse-error');
  const done = (r: AdminTransaction) =>
    navigate(`/admin/transactions/${r.id}`, {
      flash: `Reversed ${formatMoney(Math.abs(r.amount), r.currency)}. This is the reversal.`,
    });
  // Held until definite, as the teller form is: a lost answer never becomes a second reversal.
  const held = useHeldIntent<ReversalIntent, AdminTransaction>(
    `reverse:${id}`,
    ({ id: _id, ...body }, key) => admin.reverse(id, body, key),
    done,
    (e) => form.show({ fields: {}, message: `It was not done. ${explain(e).message ?? ''}` }),
    () => {
      form.reset();
      form.clear();
    },
  );
  // Kept on screen while a payout's reload runs, so its outcome stays where it was said (the page is
  // keyed by id: another transaction's page never shows this one's).
  const t = useLast(load);
  const parsed = t && form.values.amount.trim() ? parseAmount(form.values.amount, t.currency) : undefined;
  const submit = form.submit(
    () => ({
      amount: parsed && !parsed.ok ? parsed.message : undefined,
      reason: reasonProblem(form.values.reason, true),
    }),
    async () => {
      const body = {
        ...(parsed?.ok ? { amount: parsed.minor } : {}),
        reason: form.values.reason.trim(),
      };
      await held.submit({ id, ...body });
    },
  );
  const payout = usePayout(id, load);
  const title = t ? `${TX[t.type]} of ${formatMoney(Math.abs(t.amount), t.currency)}` : 'Transaction';
  return (
    <Page title={title}>
      {!t ? (
        <LoadState load={load} what="the transaction" />
      ) : (
        <>
          <BackLinks audit={t.id} />
          <dl class="summary">
            <dt>Status</dt>
            <dd data-testid="tx-status">{t.status}</dd>
            <Side label="From" side={t.from} />
            <Side label="To" side={t.to} />
            <dt>Description</dt>
            <dd>{t.description || '—'}</dd>
            <dt>Created</dt>
            <dd>{when(t.createdAt)}</dd>
            {t.reversedAmount ? (
              <>
                <dt>Reversed so far</dt>
                <dd data-testid="reversed">
                  <Money minor={t.reversedAmount} currency={t.currency} />
                </dd>
              </>
            ) : null}
            {t.refundOf ? (
              <>
                <dt>Reverses or refunds</dt>
                <dd>
                  <Link to={`/admin/transactions/${t.refundOf}`}>The original transaction</Link>
                </dd>
              </>
            ) : null}
            {t.unclaimed ? (
              <>
                <dt>Unclaimed funds</dt>
                <dd data-testid="unclaimed">
                  {t.unclaimedPaidOut ? 'Paid out' : 'Held for the sender'}
                  {t.from ? (
                    <>
                      {': '}
                      <Link to={`/admin/accounts/${t.from.accountId}`}>Account {t.from.accountNumber}</Link>
                      {' · '}
                      <Link to={`/admin/customers/${t.from.ownerId}`}>owner {t.from.ownerId}</Link>
                    </>
                  ) : null}
                </dd>
              </>
            ) : null}
            {t.unclaimedPaidOut ? (
              <>
                <dt>Paid out by</dt>
                <dd>
                  <Link to={`/admin/transactions/${t.unclaimedPaidOut}`}>The payout</Link>
                </dd>
              </>
            ) : null}
            {t.payoutMethod ? (
              <>
                <dt>Paid out of the bank</dt>
                <dd data-testid="payout-method">
                  {payoutDestination({ method: t.payoutMethod, reference: t.reference })}
                </dd>
              </>
            ) : null}
            <dt>Transaction id</dt>
            <dd class="break">{t.id}</dd>
          </dl>
          <PayoutSection t={t} payout={payout} />
          {held.unknown ? (
            <section aria-labelledby="reverse">
              <h2 id="reverse">Reverse</h2>
              <UnknownOutcome state={held} then="f-amount">
                <p>
                  Reverse{' '}
                  {held.unknown.payload.amount === undefined
                    ? 'all that is left'
                    : formatMoney(held.unknown.payload.amount, t.currency)}
                  .
                </p>
              </UnknownOutcome>
            </section>
          ) : canReverse(t) ? (
            <section aria-labelledby="reverse">
              <h2 id="reverse">Reverse</h2>
              <form onSubmit={submit} noValidate>
                <Field
                  label={`Amount to reverse (${t.currency}, optional)`}
                  hint="Leave empty to reverse all that is left."
                  inputMode="decimal"
                  autocomplete="off"
                  {...form.bind('amount')}
                />
                <Field
                  label="Reason for the reversal"
                  hint="Recorded in the audit trail."
                  maxLength={500}
                  {...form.bind('reason')}
                />
                <FormError {...form.error} />
                <div class="actions">
                  <SubmitButton busy={form.busy} busyText="Reversing…" class="danger">
                    Reverse transaction
                  </SubmitButton>
                </div>
              </form>
            </section>
          ) : null}
        </>
      )}
    </Page>
  );
};

// ---------- unclaimed funds ----------

/**
 * Unclaimed funds paid out: held until definite, as the Reverse form is, so a lost answer never
 * becomes a second payout. On success the outcome is said and the transaction read again (it then
 * shows its payout), with focus on the outcome once the new reading shows it.
 */
const usePayout = (id: string, load: Load<AdminTransaction> & { reload(): void }) => {
  const admin = useAdmin();
  const form = useForm(
    { way: 'account', toAccountId: '', reference: '', reason: '' },
    'payout-error',
    'payout-',
  );
  const [paid, setPaid] = useState<AdminTransaction | undefined>();
  const focusOnceRead = useFocusOnceRead(load);
  const held = useHeldIntent<PayoutIntent, AdminTransaction>(
    `unclaimed-payout:${id}`,
    ({ id: _id, ...body }, key) => admin.payUnclaimed(id, body, key),
    (r) => {
      form.reset();
      setPaid(r);
      focusOnceRead('payout-done');
      load.reload();
    },
    (e) =>
      form.show({
        fields: {},
        message: `It was not done. ${payoutRefusal(e) ?? explain(e).message ?? ''}`,
      }),
    () => {
      form.reset();
      form.clear();
    },
  );
  const submit = form.submit(
    () => ({
      ...payoutFieldProblems(form.values),
      reason: reasonProblem(form.values.reason, true),
    }),
    async () => {
      try {
        await held.submit({ id, ...payoutBody(form.values, form.values.reason.trim()) });
      } catch (e) {
        const problem = payoutProblem(e);
        if (!problem) throw e;
        form.show(problem);
      }
    },
  );
  return { form, held, paid, submit };
};

const PayoutSection = ({ t, payout }: { t: AdminTransaction; payout: ReturnType<typeof usePayout> }) => {
  const { form, held, paid, submit } = payout;
  if (!t.unclaimed || !(paid || held.unknown || canPayOut(t))) return null;
  return (
    <section aria-labelledby="payout">
      <h2 id="payout">Pay out unclaimed funds</h2>
      {paid ? (
        <Outcome id="payout-done" testId="payout-done">
          Paid out {formatMoney(Math.abs(paid.amount), paid.currency)}{' '}
          {payoutDestination(
            paid.to
              ? { toAccountId: paid.to.accountNumber }
              : { method: paid.payoutMethod, reference: paid.reference },
          )}
          . <Link to={`/admin/transactions/${paid.id}`}>View the payout</Link>
        </Outcome>
      ) : held.unknown ? (
        <UnknownOutcome state={held} then="f-payout-toAccountId">
          <p>
            Pay out {formatMoney(Math.abs(t.amount), t.currency)} {payoutDestination(held.unknown.payload)}.
          </p>
        </UnknownOutcome>
      ) : (
        <>
          <p>
            Both accounts of this transfer closed before it settled: the bank holds its{' '}
            <Money minor={Math.abs(t.amount)} currency={t.currency} /> for the sender until it is paid, whole
            and once, to an account the customer opens again (active, in {t.currency}), by cheque, or after
            the dormancy period to the state.
            {t.from ? (
              <>
                {' '}
                Find it on <Link to={`/admin/customers/${t.from.ownerId}`}>the customer&rsquo;s page</Link>.
              </>
            ) : null}
          </p>
          <form onSubmit={submit} noValidate>
            <fieldset>
              <legend>Pay out</legend>
              {PAYOUT_WAYS.map(([way, label]) => (
                <label class="choice" key={way}>
                  <input
                    type="radio"
                    name="payout-way"
                    checked={form.values.way === way}
                    onChange={() => form.set('way', way)}
                  />
                  {label}
                </label>
              ))}
            </fieldset>
            {form.values.way === 'account' ? (
              <Field
                label="Account id to pay into"
                hint="An account of the sender, active, in the transfer's currency: its id is on the account's page."
                autocomplete="off"
                {...form.bind('toAccountId')}
              />
            ) : (
              <Field
                label={form.values.way === 'cheque' ? 'Cheque number' : 'The state\u2019s filing reference'}
                hint="Recorded on the payout."
                maxLength={64}
                autocomplete="off"
                {...form.bind('reference')}
              />
            )}
            <Field
              label="Reason for the payout"
              hint="Recorded in the audit trail."
              maxLength={500}
              {...form.bind('reason')}
            />
            <FormError {...form.error} />
            <div class="actions">
              <SubmitButton busy={form.busy} busyText="Paying out…" class="primary">
                Pay out unclaimed funds
              </SubmitButton>
            </div>
          </form>
        </>
      )}
    </section>
  );
};

// ---------- audit ----------

const OUTCOME: Record<AuditRecord['outcome'], string> = {
  succeeded: 'Done',
  refused: 'Refused',
  failed: 'Failed',
};

const Audit = () => {
  const { query, navigate } = useApp();
  const subjectId = query.get('subjectId') ?? '';
  const actorId = query.get('actorId') ?? '';
  const from = query.get('from') ?? '';
  const to = query.get('to') ?? '';
  const form = useForm({ subjectId, actorId, from, to }, 'audit-error');
  const asked = Boolean(subjectId || actorId);
  const submit = form.submit(
    () =>
      form.values.subjectId.trim() || form.values.actorId.trim()
        ? dayRangeProblem(form.values.from, form.values.to)
        : { subjectId: 'Enter a subject or an actor.' },
    async () => navigate(auditPath(form.values)),
  );
  return (
    <Page title="Audit trail">
      <BackLinks />
      <form onSubmit={submit} noValidate>
        <Field
          label="Subject"
          hint="A customer, account or transaction id, or an email."
          autocomplete="off"
          {...form.bind('subjectId')}
        />
        <Field label="Actor" hint="The user id of who acted." autocomplete="off" {...form.bind('actorId')} />
        <Field label="From" type="date" hint="First day, in UTC (optional)." {...form.bind('from')} />
        <Field label="To" type="date" hint="Last day, in UTC (optional)." {...form.bind('to')} />
        <FormError {...form.error} />
        <div class="actions">
          <SubmitButton busy={form.busy} busyText="Loading…">
            Show records
          </SubmitButton>
        </div>
      </form>
      {asked ? (
        // Keyed by the question, so a new question starts from its first page.
        <AuditRecords
          key={`${subjectId}|${actorId}|${from}|${to}`}
          subjectId={subjectId}
          actorId={actorId}
          from={from}
          to={to}
        />
      ) : (
        <p>Enter a subject or an actor to see their records, newest first.</p>
      )}
    </Page>
  );
};

const AuditRecords = ({
  subjectId,
  actorId,
  from,
  to,
}: {
  subjectId: string;
  actorId: string;
  from: string;
  to: string;
}) => {
  const admin = useAdmin();
  const range = dayRange(from, to);
  const load = useLoad(() => admin.audit({ subjectId, actorId, ...range }), [subjectId, actorId, from, to]);
  const more = useMore<AuditRecord>((cursor) => admin.audit({ subjectId, actorId, ...range, cursor }));
  if (load.state !== 'ok') return <LoadState load={load} what="the audit records" />;
  const { items, cursor } = more.after(load.data);
  if (items.length === 0) return <p role="status">No records.</p>;
  return (
    <section aria-labelledby="records">
      <h2 id="records">Records {subjectId ? 'about this subject' : 'by this actor'}</h2>
      <ol class="history audit-list" ref={more.listRef}>
        {items.map((r) => (
          <li key={r.id} data-action={r.action}>
            <span class="what">{r.action}</span>
            <span class="amount">{OUTCOME[r.outcome]}</span>
            <span class="meta">
              {when(r.at)} · {r.actor.role} <span class="break">{r.actor.userId}</span> · {r.subject.type}{' '}
              <span class="break">{r.subject.id}</span>
              {r.reason ? ` · “${r.reason}”` : ''}
            </span>
          </li>
        ))}
      </ol>
      <ShowMore more={more} cursor={cursor}>
        Show older
      </ShowMore>
    </section>
  );
};
