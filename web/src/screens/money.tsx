/**
 * Deposit and withdraw (the transfer is in transfer.tsx). Each form holds one intent, kept in
 * sessionStorage until its outcome is definite: its Idempotency-Key is reused for every retry of the
 * same details, a second click while a submission is in flight sends nothing, and a lost answer is
 * asked again with the same key (see idempotency.ts and held-intent.tsx).
 */
import { useState } from 'preact/hooks';
import type { Account, Transaction } from '../api.ts';
import { moneyApi } from '../api-money.ts';
import { ApiError, explain, MESSAGES } from '../errors.ts';
import { UnknownOutcome, useHeldIntent } from '../held-intent.tsx';
import { dailyLimitMessage } from '../limits.ts';
import { formatMoney, parseAmount } from '../money.ts';
import {
  accountName,
  Field,
  FormError,
  Link,
  LoadState,
  Page,
  SubmitButton,
  useApp,
  useForm,
  useLoad,
} from '../ui.tsx';
import { AccountSummary } from './accounts.tsx';

/** An amount field in the account's currency. */
const amountLabel = (a: Account) => `Amount (${a.currency})`;

export const MoneyForm = ({ id, kind }: { id: string; kind: 'deposit' | 'withdraw' }) => {
  const { api, navigate } = useApp();
  const load = useLoad(() => api.account(id), [id]);
  const form = useForm({ amount: '', description: '' });
  const held = useHeldIntent<{ id: string; amount: number; description?: string }, Transaction>(
    `${kind}:${id}`,
    ({ id: _id, ...body }, key) =>
      kind === 'deposit' ? api.deposit(id, body, key) : api.withdraw(id, body, key),
    (tx) => {
      const done = kind === 'deposit' ? 'Deposited' : 'Withdrew';
      navigate(`/accounts/${id}`, {
        flash: `${done} ${formatMoney(tx.amount, tx.currency)}. New balance: ${formatMoney(tx.balanceAfter ?? 0, tx.currency)}.`,
      });
    },
    (e) => {
      // Asked again, it was refused: nothing moved. Say so, with the balance as it is now.
      api.account(id).then(setFresh, () => undefined);
      form.show({ fields: {}, message: `It was not done. ${explain(e).message ?? ''}` });
    },
    () => {
      // Given up (it may have gone through): an empty form, not the amount that one more click would
      // send again under a new key.
      form.reset();
      form.clear();
      api.account(id).then(setFresh, () => undefined);
    },
  );
  const verb = kind === 'deposit' ? 'Deposit' : 'Withdraw';
  // After a refusal: the account as it is now, without blanking the form.
  const [fresh, setFresh] = useState<Account | undefined>();
  const account = fresh ?? (load.state === 'ok' ? load.data : undefined);
  const parsed = account ? parseAmount(form.values.amount, account.currency) : undefined;

  const submit = form.submit(
    () => ({
      amount: !parsed?.ok
        ? parsed?.message
        : kind === 'withdraw' && account && parsed.minor > account.available
          ? MESSAGES.insufficient_funds
          : undefined,
    }),
    async () => {
      if (!parsed?.ok) return;
      const description = form.values.description.trim();
      const body = { amount: parsed.minor, ...(description ? { description } : {}) };
      try {
        await held.submit({ id, ...body });
      } catch (e) {
        // Refused: show the balance as it is now.
        api.account(id).then(setFresh, () => undefined);
        if (e instanceof ApiError && e.code === 'daily_limit_exceeded' && account) {
          const limits = await moneyApi(api)
            .limits()
            .catch(() => undefined);
          form.show({ fields: { amount: dailyLimitMessage(limits, account.currency) }, message: undefined });
          return;
        }
        throw e;
      }
    },
  );

  if (held.unknown) {
    const p = held.unknown.payload;
    return (
      <Page narrow title={verb}>
        <UnknownOutcome state={held} then="f-amount">
          <p>
            {verb} {account ? formatMoney(p.amount, account.currency) : ''}
            {p.description ? ` (${p.description})` : ''}.
          </p>
        </UnknownOutcome>
      </Page>
    );
  }
  if (!account) {
    return (
      <Page narrow title={verb}>
        <LoadState load={load} what="the account" />
      </Page>
    );
  }
  return (
    <Page narrow title={`${verb} ${kind === 'deposit' ? 'into' : 'from'} ${accountName(account)}`}>
      <AccountSummary account={account} />
      <form onSubmit={submit} noValidate>
        <Field label={amountLabel(account)} inputMode="decimal" autocomplete="off" {...form.bind('amount')} />
        <Field label="Description (optional)" maxLength={140} {...form.bind('description')} />
        <FormError {...form.error} />
        <div class="actions">
          <SubmitButton busy={form.busy} busyText={kind === 'deposit' ? 'Depositing…' : 'Withdrawing…'}>
            {verb}
          </SubmitButton>
          <Link to={`/accounts/${id}`}>Cancel</Link>
        </div>
      </form>
    </Page>
  );
};
