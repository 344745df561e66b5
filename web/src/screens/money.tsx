/**
 * Money movements: deposit, withdraw, and transfer (with a review step). Each form holds one intent:
 * its Idempotency-Key is reused for every retry of the same details, and a second click while a
 * submission is in flight sends nothing (see idempotency.ts).
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { accountNumberProblem, normalizeAccountNumber } from '../account-number.ts';
import { type Account, outcomeUnknown, type Transaction, type TransferBody } from '../api.ts';
import { explain, MESSAGES } from '../errors.ts';
import { createIntent } from '../idempotency.ts';
import { formatMoney, parseAmount } from '../money.ts';
import {
  accountName,
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
import { AccountSummary } from './accounts.tsx';

const useIntent = <P, R>() => useRef(createIntent<P, R>({ isRetryable: outcomeUnknown })).current;

/**
 * Focus a step's heading when the step changes, as after a navigation; `skipNext` leaves focus to
 * someone else (the first field with an error).
 */
const useStepFocus = (step: string) => {
  const ref = useRef<HTMLHeadingElement>(null);
  const skip = useRef(true);
  useEffect(() => {
    if (!skip.current) ref.current?.focus();
    skip.current = false;
  }, [step]);
  const skipNext = () => {
    skip.current = true;
  };
  return { ref, skipNext };
};

/** An amount field in the account's currency. */
const amountLabel = (a: Account) => `Amount (${a.currency})`;

export const MoneyForm = ({ id, kind }: { id: string; kind: 'deposit' | 'withdraw' }) => {
  const { api, navigate } = useApp();
  const load = useLoad(() => api.account(id), [id]);
  const form = useForm({ amount: '', description: '' });
  const intent = useIntent<{ id: string; amount: number; description?: string }, Transaction>();
  const verb = kind === 'deposit' ? 'Deposit' : 'Withdraw';
  const account = load.state === 'ok' ? load.data : undefined;
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
      const tx = await intent.submit({ id, ...body }, (key) =>
        kind === 'deposit' ? api.deposit(id, body, key) : api.withdraw(id, body, key),
      );
      const done = kind === 'deposit' ? 'Deposited' : 'Withdrew';
      navigate(`/accounts/${id}`, {
        flash: `${done} ${formatMoney(tx.amount, tx.currency)}. New balance: ${formatMoney(tx.balanceAfter ?? 0, tx.currency)}.`,
      });
    },
  );

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
        <FormError message={form.message} id={form.formErrorId} />
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

type Step = 'form' | 'review' | 'done';

export const Transfer = () => {
  const { api, query } = useApp();
  const load = useLoad(() => api.accounts(), []);
  const [step, setStep] = useState<Step>('form');
  const form = useForm({
    fromAccountId: query.get('from') ?? '',
    toAccountNumber: '',
    amount: '',
    description: '',
  });
  const [review, setReview] = useState<{ body: TransferBody; from: Account } | undefined>();
  const [result, setResult] = useState<Transaction | undefined>();
  const intent = useIntent<TransferBody, Transaction>();
  const stepFocus = useStepFocus(step);

  const sources = load.state === 'ok' ? load.data.items.filter((a) => a.status === 'active') : [];
  const from = sources.find((a) => a.id === form.values.fromAccountId) ?? sources[0];
  const { toAccountNumber: to, amount, description } = form.values;
  const parsed = from ? parseAmount(amount, from.currency) : undefined;

  const toReview = form.submit(
    () => ({
      toAccountNumber:
        accountNumberProblem(to) ??
        (normalizeAccountNumber(to) === from?.number ? MESSAGES.same_account : undefined),
      amount: !parsed?.ok
        ? parsed?.message
        : from && parsed.minor > from.available
          ? MESSAGES.insufficient_funds
          : undefined,
    }),
    async () => {
      if (!from || !parsed?.ok) return;
      const body: TransferBody = {
        fromAccountId: from.id,
        toAccountNumber: normalizeAccountNumber(to),
        amount: parsed.minor,
        currency: from.currency,
        ...(description.trim() ? { description: description.trim() } : {}),
      };
      setReview({ body, from });
      setStep('review');
    },
  );

  const confirm = form.submit(
    () => undefined,
    async () => {
      if (!review) return;
      try {
        setResult(await intent.submit(review.body, (key) => api.transfer(review.body, key)));
        setStep('done');
      } catch (err) {
        // A refusal about the details goes back to the form, next to the field concerned.
        if (Object.keys(explain(err, Object.keys(form.values)).fields).length > 0) {
          stepFocus.skipNext();
          setStep('form');
        }
        throw err;
      }
    },
  );

  const again = () => {
    form.reset();
    setResult(undefined);
    setReview(undefined);
    intent.reset();
    setStep('form');
    load.reload();
  };

  if (load.state !== 'ok' || !from) {
    return (
      <Page narrow title="Transfer money">
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
  }

  return (
    <Page narrow title="Transfer money">
      {step === 'form' ? (
        <form onSubmit={toReview} noValidate>
          <h2 ref={stepFocus.ref} tabIndex={-1}>
            Details
          </h2>
          <div class="field">
            <label for="f-fromAccountId">From</label>
            <select
              id="f-fromAccountId"
              name="fromAccountId"
              value={from.id}
              onChange={(e) => form.set('fromAccountId', e.currentTarget.value)}
            >
              {sources.map((a) => (
                <option key={a.id} value={a.id}>
                  {accountName(a)} {a.number} ({formatMoney(a.available, a.currency)})
                </option>
              ))}
            </select>
          </div>
          <Field
            label="To account number"
            hint="10 digits"
            inputMode="numeric"
            autocomplete="off"
            {...form.bind('toAccountNumber')}
          />
          <Field
            label={amountLabel(from)}
            hint={`Available: ${formatMoney(from.available, from.currency)}`}
            inputMode="decimal"
            autocomplete="off"
            {...form.bind('amount')}
          />
          <Field label="Description (optional)" maxLength={140} {...form.bind('description')} />
          <FormError message={form.message} id={form.formErrorId} />
          <div class="actions">
            <button type="submit" class="primary">
              Review transfer
            </button>
            <Link to="/">Cancel</Link>
          </div>
        </form>
      ) : null}
      {step === 'review' && review ? (
        <section aria-labelledby="review-title">
          <h2 id="review-title" ref={stepFocus.ref} tabIndex={-1}>
            Check and confirm
          </h2>
          <dl class="summary" data-testid="review">
            <dt>From</dt>
            <dd>
              {accountName(review.from)} {review.from.number}
            </dd>
            <dt>To account</dt>
            <dd>{review.body.toAccountNumber}</dd>
            <dt>Amount</dt>
            <dd class="big">
              <Money minor={review.body.amount} currency={review.body.currency} />
            </dd>
            {review.body.description ? (
              <>
                <dt>Description</dt>
                <dd>{review.body.description}</dd>
              </>
            ) : null}
          </dl>
          <FormError message={form.message} id={form.formErrorId} />
          <div class="actions">
            <SubmitButton type="button" busy={form.busy} busyText="Sending…" onClick={confirm}>
              Confirm transfer
            </SubmitButton>
            <button
              type="button"
              onClick={() => form.busy || setStep('form')}
              aria-disabled={form.busy ? 'true' : undefined}
            >
              Change details
            </button>
          </div>
        </section>
      ) : null}
      {step === 'done' && result ? (
        <section aria-labelledby="done-title">
          <h2 id="done-title" ref={stepFocus.ref} tabIndex={-1}>
            Transfer sent
          </h2>
          <p class="notice" role="status">
            You sent {formatMoney(result.amount, result.currency)} to account {result.toAccountNumber}. Your
            new balance is {formatMoney(result.balanceAfter ?? 0, result.currency)}.
          </p>
          <div class="actions">
            <Link to={`/accounts/${result.fromAccountId}`} class="button primary">
              View account
            </Link>
            <button type="button" onClick={again}>
              Make another transfer
            </button>
          </div>
        </section>
      ) : null}
    </Page>
  );
};
