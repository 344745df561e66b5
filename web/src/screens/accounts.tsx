/** The dashboard, opening an account, one account with its history, and closing an account. */
import { lastDigits } from '../account-number.ts';
import type { Account, OpenAccountBody } from '../api.ts';
import { explain } from '../errors.ts';
import { UnknownOutcome, useHeldIntent } from '../held-intent.tsx';
import { type Currency, currencyCodes, formatMoney, totalsByCurrency } from '../money.ts';
import {
  accountName,
  Empty,
  Field,
  FormError,
  Link,
  LoadState,
  Money,
  Page,
  SubmitButton,
  useApp,
  useForm,
  useLoad,
} from '../ui.tsx';
import { AccountHistory, PendingTransfers, RecentActivity } from './transactions.tsx';

const STATUS_LABEL: Record<Account['status'], string> = {
  active: 'Active',
  frozen: 'Frozen',
  closed: 'Closed',
};
const TYPE_LABEL: Record<Account['type'], string> = { checking: 'Checking', savings: 'Savings' };

export const Dashboard = () => {
  const { api } = useApp();
  const load = useLoad(() => api.accounts(), []);
  const accounts = load.state === 'ok' ? load.data.items : [];
  const open = accounts.filter((a) => a.status !== 'closed');
  const closed = accounts.filter((a) => a.status === 'closed');
  const totals = totalsByCurrency(open);

  return (
    <Page title="Your accounts">
      <LoadState load={load} what="your accounts" />
      {load.state === 'ok' && open.length === 0 ? (
        <Empty>
          <p>You have no open accounts yet.</p>
          <Link to="/accounts/new" class="button primary">
            Open your first account
          </Link>
        </Empty>
      ) : null}
      {open.length > 0 ? (
        <>
          <section aria-labelledby="totals-title">
            <h2 id="totals-title">Total per currency</h2>
            <dl class="totals">
              {totals.map((t) => (
                <div key={t.currency} data-currency={t.currency}>
                  <dt>
                    {t.currency} ({t.count} {t.count === 1 ? 'account' : 'accounts'})
                  </dt>
                  <dd>
                    <Money minor={t.total} currency={t.currency} />
                  </dd>
                </div>
              ))}
            </dl>
          </section>
          <section aria-labelledby="accounts-title">
            <h2 id="accounts-title">Accounts</h2>
            <AccountList accounts={open} />
            <div class="actions">
              <Link to="/accounts/new" class="button">
                Open an account
              </Link>
              <Link to="/transfer" class="button primary">
                Transfer money
              </Link>
            </div>
          </section>
          <RecentActivity accounts={open} />
        </>
      ) : null}
      {closed.length > 0 ? (
        <section aria-labelledby="closed-title">
          <h2 id="closed-title">Closed accounts</h2>
          <AccountList accounts={closed} />
        </section>
      ) : null}
    </Page>
  );
};

const AccountList = ({ accounts }: { accounts: Account[] }) => (
  <ul class="account-list">
    {accounts.map((a) => (
      <li key={a.id} data-account-number={a.number}>
        <Link to={`/accounts/${a.id}`} class="account-link">
          <span class="account-name">{accountName(a)}</span>
          <span class="account-balance">
            <span class="visually-hidden">Balance </span>
            <Money minor={a.balance} currency={a.currency} />
          </span>
          <span class="account-meta">
            {TYPE_LABEL[a.type]} · No. <span class="account-number">{a.number}</span> · {a.currency}
            {a.status !== 'active' ? <span class="badge">{STATUS_LABEL[a.status]}</span> : null}
          </span>
        </Link>
      </li>
    ))}
  </ul>
);

export const OpenAccount = () => {
  const { api, navigate } = useApp();
  const form = useForm({ type: 'checking', currency: 'USD', nickname: '' });
  const { type, currency, nickname } = form.values;
  // Opened once per submission: its Idempotency-Key is made when it is first sent and reused whenever
  // it is sent again (a retry after a lost answer, a second click, a reload: useHeldIntent), so a lost
  // answer never opens a second account.
  const held = useHeldIntent<OpenAccountBody, Account>(
    'open-account',
    (body, key) => api.openAccount(body, key),
    (a) =>
      navigate('/', { flash: `Your new ${TYPE_LABEL[a.type].toLowerCase()} account ${a.number} is open.` }),
    (e) => form.show({ fields: {}, message: `The account was not opened. ${explain(e).message ?? ''}` }),
    () => {
      // Given up (it may have been opened): a fresh form, not the one a click would send again.
      form.reset();
      form.clear();
    },
  );

  const submit = form.submit(
    () => ({
      nickname: nickname.trim().length > 50 ? 'Use at most 50 characters for the nickname.' : undefined,
    }),
    async () => {
      // Success moves on (the intent's onDone); a refusal is thrown, and shown by the form.
      await held.submit({
        type: type as Account['type'],
        currency: currency as Currency,
        ...(nickname.trim() ? { nickname: nickname.trim() } : {}),
      });
    },
  );

  // An opening whose answer was lost comes first: it is asked again, never sent as a second one.
  const unknown = held.unknown?.payload;
  if (unknown) {
    const called = unknown.nickname ? ` called \u201c${unknown.nickname}\u201d` : '';
    return (
      <Page narrow title="Open an account">
        <UnknownOutcome state={held} then="f-type">
          <p>{`A ${TYPE_LABEL[unknown.type].toLowerCase()} account in ${unknown.currency}${called}.`}</p>
        </UnknownOutcome>
      </Page>
    );
  }

  return (
    <Page narrow title="Open an account">
      <form onSubmit={submit} noValidate>
        <fieldset>
          <legend>Account type</legend>
          {(Object.keys(TYPE_LABEL) as Account['type'][]).map((t) => (
            <label class="choice" key={t}>
              <input
                type="radio"
                name="type"
                // The chosen one: where Tab enters the group, and focus goes after "Leave it".
                id={type === t ? 'f-type' : undefined}
                value={t}
                checked={type === t}
                onChange={() => form.set('type', t)}
              />
              {TYPE_LABEL[t]}
            </label>
          ))}
        </fieldset>
        <div class="field">
          <label for="f-currency">Currency</label>
          <select
            id="f-currency"
            name="currency"
            value={currency}
            onChange={(e) => form.set('currency', e.currentTarget.value)}
          >
            {currencyCodes.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </div>
        <Field
          label="Nickname (optional)"
          hint="For example: Rent, Holidays"
          maxLength={50}
          {...form.bind('nickname')}
        />
        <FormError {...form.error} />
        <div class="actions">
          <SubmitButton busy={form.busy} busyText="Opening…">
            Open account
          </SubmitButton>
          <Link to="/">Cancel</Link>
        </div>
      </form>
    </Page>
  );
};

/** The account header shared by the account screens. */
export const AccountSummary = ({ account }: { account: Account }) => (
  <dl class="summary">
    <dt>Available</dt>
    <dd class="big" data-testid="available">
      <Money minor={account.available} currency={account.currency} />
    </dd>
    <dt>Balance</dt>
    <dd data-testid="balance">
      <Money minor={account.balance} currency={account.currency} />
    </dd>
    {account.incoming ? (
      <>
        <dt>Incoming</dt>
        <dd data-testid="incoming">
          <Money minor={account.incoming} currency={account.currency} />
        </dd>
      </>
    ) : null}
    <dt>Account number</dt>
    <dd data-testid="account-number">{account.number}</dd>
    <dt>Type</dt>
    <dd>
      {TYPE_LABEL[account.type]} · {account.currency}
    </dd>
    <dt>Status</dt>
    <dd>{STATUS_LABEL[account.status]}</dd>
  </dl>
);

export const AccountDetail = ({ id }: { id: string }) => {
  const { api, query } = useApp();
  const load = useLoad(() => api.account(id), [id]);

  if (load.state !== 'ok') {
    return (
      <Page title="Account">
        <LoadState load={load} what="the account" />
      </Page>
    );
  }
  const account = load.data;
  const active = account.status === 'active';
  return (
    <Page title={accountName(account)}>
      <AccountSummary account={account} />
      <div class="actions">
        {active ? (
          <>
            <Link to={`/accounts/${id}/deposit`} class="button">
              Deposit
            </Link>
            <Link to={`/accounts/${id}/withdraw`} class="button">
              Withdraw
            </Link>
            <Link to={`/transfer?from=${id}`} class="button primary">
              Transfer
            </Link>
          </>
        ) : null}
        {account.status !== 'closed' ? <Link to={`/accounts/${id}/close`}>Close account</Link> : null}
        <Link to={`/accounts/${id}/statements`}>Statements</Link>
        <Link to="/">All accounts</Link>
      </div>
      {account.status !== 'closed' ? <PendingTransfers key={account.id} account={account} /> : null}
      <AccountHistory account={account} key={query.toString()} />
    </Page>
  );
};

export const CloseAccount = ({ id }: { id: string }) => {
  const { api, navigate } = useApp();
  const load = useLoad(() => api.account(id), [id]);
  const form = useForm({});
  const submit = form.submit(
    () => undefined,
    async () => {
      const closed = await api.closeAccount(id);
      navigate('/', { flash: `Account ${lastDigits(closed.number)} is closed.` });
    },
  );

  if (load.state !== 'ok') {
    return (
      <Page narrow title="Close account">
        <LoadState load={load} what="the account" />
      </Page>
    );
  }
  const account = load.data;
  return (
    <Page narrow title={`Close ${accountName(account)}`}>
      <AccountSummary account={account} />
      {account.status === 'closed' ? (
        <p>This account is already closed.</p>
      ) : (
        <form onSubmit={submit} noValidate>
          {account.balance !== 0 ? (
            <p class="warning">
              Only an account with a zero balance can be closed. This account holds{' '}
              {formatMoney(account.balance, account.currency)}.
            </p>
          ) : (
            <p>Closing is permanent. The account number will not be used again.</p>
          )}
          <FormError {...form.error} />
          <div class="actions">
            <SubmitButton busy={form.busy} busyText="Closing…" class="danger">
              Close account
            </SubmitButton>
            <Link to={`/accounts/${id}`}>Keep it open</Link>
          </div>
        </form>
      )}
    </Page>
  );
};
