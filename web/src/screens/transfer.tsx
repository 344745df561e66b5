/**
 * Transfer money: to a saved payee, to someone new (number and name, checked against the account
 * holder's name before the review: confirmation of payee), or between the customer's own accounts.
 * At once, or pending (the money is held until the customer posts or voids it, or it expires).
 *
 * Never pay twice: the intent is kept in sessionStorage until its outcome is definite (held-intent.tsx),
 * and a transfer with the same payee and amount as one sent (or perhaps sent) in the last 10 minutes
 * asks "You sent this already. Send again?" first.
 */
import { useRef, useState } from 'preact/hooks';
import { accountNumberProblem, lastDigits, normalizeAccountNumber } from '../account-number.ts';
import type { Account } from '../api.ts';
import { moneyApi, type Payee, type PayeeCheck, type Transaction, type TransferBody } from '../api-money.ts';
import { ApiError, explain, isRecipientRefusal, MESSAGES, numberRefusal } from '../errors.ts';
import { UnknownOutcome, useHeldIntent } from '../held-intent.tsx';
import { dailyLimitMessage, limitLine, remainingToday } from '../limits.ts';
import { formatMoney, parseAmount } from '../money.ts';
import { recentTransfers } from '../recent.ts';
import { accountName, Field, FormError, Link, Money, Page, SubmitButton, useApp, useForm } from '../ui.tsx';
import {
  ChangeDetails,
  type Earlier,
  earlierSends,
  FromAccount,
  NoSource,
  SOURCE_GONE,
  sourceOf,
  useSending,
} from './sending.tsx';

type Mode = 'payee' | 'new' | 'own';
type Match = PayeeCheck['match'];

/** Everything the review, the receipt and a resumed intent need: written down with the key. */
export interface TransferIntent {
  body: TransferBody;
  to: {
    name: string;
    number: string;
    match?: Match | undefined;
    /**
     * The holder's name, from a check of a new recipient: for a close match whose name had every word
     * of it, never for initials or a word left out. A saved payee's is never known (not kept).
     */
    holderName?: string | undefined;
    /** A saved payee: its match is the one from when it was saved. */
    payee?: boolean | undefined;
    own?: boolean;
  };
  fromLabel: string;
  savePayee?: boolean;
}

export const HOLD_CHOICES = [
  { seconds: 3600, label: '1 hour' },
  { seconds: 24 * 3600, label: '1 day' },
  { seconds: 3 * 24 * 3600, label: '3 days' },
  { seconds: 7 * 24 * 3600, label: '7 days' },
] as const;

const MATCH_TEXT: Record<Match, string> = {
  exact: 'The name matches the account holder\u2019s name.',
  close: 'The name is close to the account holder\u2019s name, but not the same.',
  none: 'The name does not match the account holder\u2019s name.',
};

/** A close match whose holder's name is not known: a saved payee's (never kept), or initials'. */
const CLOSE_UNNAMED = {
  payee: [
    'When you saved this payee, the name you gave was close to the account holder\u2019s, but not the same.',
    'Check the details before you pay.',
  ],
  new: [MATCH_TEXT.close, 'Check the full name with the person you are paying before you confirm.'],
} as const;

/**
 * Confirmation of payee, in plain words, for the review step. A close match with the holder's name
 * asks "Did you mean …?" and offers to pay that name; without it (a saved payee, or a name given by
 * its initials or with a word left out) it says to check, and the transfer is confirmed as any other.
 */
export const MatchNotice = ({
  to,
  onUseHolderName,
}: {
  to: TransferIntent['to'];
  onUseHolderName?: (() => void) | undefined;
}) => {
  if (to.own || !to.match) return null;
  if (to.match === 'exact')
    return (
      <p class="notice" data-testid="payee-match" data-match="exact">
        {MATCH_TEXT.exact}
      </p>
    );
  if (to.match === 'close' && !to.holderName) {
    const [said, advice] = CLOSE_UNNAMED[to.payee ? 'payee' : 'new'];
    return (
      <div class="warning" data-testid="payee-match" data-match="close">
        <p>
          <strong>{said}</strong> {advice}
        </p>
      </div>
    );
  }
  if (to.match === 'close')
    return (
      <div class="warning" data-testid="payee-match" data-match="close">
        <p>
          <strong>Did you mean {to.holderName}?</strong> {MATCH_TEXT.close}
        </p>
        {onUseHolderName ? (
          <button type="button" onClick={onUseHolderName}>
            Yes, pay {to.holderName}
          </button>
        ) : null}
      </div>
    );
  return (
    <div class="warning" data-testid="payee-match" data-match="none">
      <p>
        <strong>{MATCH_TEXT.none}</strong> Check the details with the person you are paying. If you go on, the
        money may go to someone else and you may not get it back.
      </p>
    </div>
  );
};

type Step = 'form' | 'review' | 'done';

/** Refusals about whom the money goes to: the customer must change the details, not confirm again. */
const PAYEE_PROBLEMS = new Set(['recipient_not_found', 'same_account', 'currency_mismatch']);

export const Transfer = () => {
  const { api, query, navigate } = useApp();
  const m = moneyApi(api);
  const { load, sources, payees, limits, refresh, freshLimits } = useSending();
  const [step, setStep] = useState<Step>('form');
  const wantPayee = query.get('payee');
  const form = useForm({
    fromAccountId: query.get('from') ?? '',
    mode: query.get('to') === 'own' ? 'own' : wantPayee ? 'payee' : '',
    payeeId: wantPayee ?? '',
    toAccountNumber: '',
    toName: '',
    ownAccountId: '',
    amount: '',
    description: '',
    note: '',
    pending: '',
    holdSeconds: String(HOLD_CHOICES[1].seconds),
    savePayee: '',
  });
  const [review, setReview] = useState<TransferIntent | undefined>();
  const [repeat, setRepeat] = useState<Earlier | undefined>();
  const [result, setResult] = useState<{ tx: Transaction; intent: TransferIntent } | undefined>();
  const [saved, setSaved] = useState<PayeeSaving | undefined>();
  const recent = useRef(recentTransfers()).current;
  const stepRef = useRef<HTMLHeadingElement>(null);
  const focusStep = () => requestAnimationFrame(() => stepRef.current?.focus());

  const held = useHeldIntent<TransferIntent, Transaction>(
    'transfer',
    (p, key) => api.transfer(p.body, key),
    (tx, p) => {
      recent.record({
        to: p.to.number,
        amount: p.body.amount,
        currency: p.body.currency,
        at: Date.now(),
        outcome: 'succeeded',
      });
      if (p.savePayee && !p.to.own) {
        // The money has moved whatever happens here: the payee is saved after, and the done screen
        // says whether it was.
        const name = p.to.name;
        setSaved({ name, state: 'saving' });
        // Its own key: the client's quick retries of a lost answer save it once.
        m.createPayee({ name, accountNumber: p.to.number }, crypto.randomUUID()).then(
          () => setSaved({ name, state: 'saved' }),
          (e) => setSaved({ name, state: 'failed', message: explain(e).message }),
        );
      }
      setResult({ tx, intent: p });
      setStep('done');
      focusStep();
    },
    (e, p) => {
      // The true outcome of a transfer asked again: it was refused, so no money moved (and the same
      // transfer sent now is no repeat).
      recent.refused({ to: p.to.number, amount: p.body.amount, currency: p.body.currency });
      refresh();
      form.show({
        fields: {},
        message: `Your transfer of ${formatMoney(p.body.amount, p.body.currency)} to ${p.to.name} was not made. ${explain(e).message ?? ''}`,
      });
    },
    (given) => {
      // Given up, though it may have gone through: a new transfer starts from empty details, and the
      // same payee and amount sent again are questioned ("perhaps sent") while this session lasts.
      const p = given.payload;
      recent.record({
        to: p.to.number,
        amount: p.body.amount,
        currency: p.body.currency,
        at: given.since,
        outcome: 'unknown',
      });
      again();
      form.clear();
    },
  );

  const { from, gone: fromGone } = sourceOf(sources, form.values.fromAccountId);
  const mode: Mode = (form.values.mode as Mode) || (payees.length > 0 ? 'payee' : 'new');
  // A payee the address asked for (a "Pay" link) but no longer saved (deleted elsewhere, then Back):
  // nobody is chosen in their place, where the first in the list would be paid without a word.
  const payee =
    payees.find((p) => p.id === form.values.payeeId) ?? (form.values.payeeId ? undefined : payees[0]);
  const payeeGone = form.values.payeeId !== '' && !payee;
  const ownTargets = sources.filter((a) => a.id !== from?.id);
  const own = ownTargets.find((a) => a.id === form.values.ownAccountId) ?? ownTargets[0];
  const parsed = from ? parseAmount(form.values.amount, from.currency) : undefined;
  // The fields that show their own error in this mode: a refusal about any other (the account number
  // of a saved payee, which is not on screen) is said for the whole form, or nobody would see it.
  const fieldsShown = [
    'amount',
    'description',
    'note',
    ...(mode === 'new' ? ['toAccountNumber', 'toName'] : mode === 'own' ? ['ownAccountId'] : []),
  ];

  const toReview = form.submit(
    () => {
      const toProblem =
        mode === 'new'
          ? (accountNumberProblem(form.values.toAccountNumber) ??
            (normalizeAccountNumber(form.values.toAccountNumber) === from?.number
              ? MESSAGES.same_account
              : undefined))
          : undefined;
      const left = from ? remainingToday(limits, from.currency) : undefined;
      return {
        fromAccountId: fromGone ? SOURCE_GONE : undefined,
        toAccountNumber: toProblem,
        toName:
          mode === 'new' && !form.values.toName.trim()
            ? 'Enter the name on the account you are paying.'
            : undefined,
        payeeId: mode === 'payee' && !payee ? 'Choose a payee, or pay someone new.' : undefined,
        ownAccountId:
          mode === 'own' && !own
            ? 'You need another open account to move money between your accounts.'
            : mode === 'own' && own && from && own.currency !== from.currency
              ? MESSAGES.currency_mismatch
              : undefined,
        amount: !parsed?.ok
          ? parsed?.message
          : from && parsed.minor > from.available
            ? MESSAGES.insufficient_funds
            : from && left !== undefined && parsed.minor > left
              ? dailyLimitMessage(limits, from.currency)
              : undefined,
      };
    },
    async () => {
      if (!from || !parsed?.ok) return;
      let to: TransferIntent['to'];
      let target: Pick<TransferBody, 'toAccountNumber' | 'payeeId'>;
      if (mode === 'payee' && payee) {
        // The match from when it was saved; the holder's name is not kept with a payee.
        to = { name: payee.name, number: payee.accountNumber, match: payee.match, payee: true };
        target = { payeeId: payee.id };
      } else if (mode === 'own' && own) {
        to = { name: accountName(own), number: own.number, own: true };
        target = { toAccountNumber: own.number };
      } else {
        const number = normalizeAccountNumber(form.values.toAccountNumber);
        const name = form.values.toName.trim();
        // Confirmation of payee before the review: an unknown number is refused here.
        let check: PayeeCheck;
        try {
          check = await m.checkPayee({ name, accountNumber: number });
        } catch (e) {
          // No account has the number, or its account is closed: said on the number.
          const refusal = numberRefusal(e);
          if (refusal === undefined) throw e;
          form.show({ fields: { toAccountNumber: refusal }, message: undefined });
          return;
        }
        to = { name, number, match: check.match, holderName: check.name };
        target = { toAccountNumber: number };
      }
      const description = form.values.description.trim();
      const note = form.values.note.trim();
      const pending = form.values.pending === 'yes';
      const body: TransferBody = {
        fromAccountId: from.id,
        ...target,
        amount: parsed.minor,
        currency: from.currency,
        ...(description ? { description } : {}),
        ...(note ? { metadata: { note } } : {}),
        ...(pending ? { pending: true, expiresInSeconds: Number(form.values.holdSeconds) } : {}),
      };
      // Sent (or perhaps sent) already? This tab's record, then the account's own history.
      const same = { to: to.number, amount: parsed.minor, currency: from.currency };
      const [earlier] = await earlierSends(recent, m, from.id, [same]);
      setRepeat(earlier);
      setReview({
        body,
        to,
        fromLabel: `${accountName(from)} ${from.number}`,
        savePayee: mode === 'new' && form.values.savePayee === 'yes',
      });
      setStep('review');
      focusStep();
    },
  );

  const confirm = form.submit(
    () => undefined,
    async () => {
      if (!review) return;
      const same = { to: review.to.number, amount: review.body.amount, currency: review.body.currency };
      recent.record({ ...same, at: Date.now(), outcome: 'unknown' });
      try {
        await held.submit(review);
      } catch (err) {
        // A refusal: nothing moved (sending it again is no repeat), and the balance and the limit may
        // have changed behind the page's back.
        recent.refused(same);
        refresh();
        const problems = explain(err, fieldsShown);
        // Refused for the rate (429, with when to ask again): the bank did nothing, and says so.
        if (err instanceof ApiError && err.status === 429)
          problems.message = `Your transfer was not made. ${problems.message ?? ''}`;
        if (err instanceof ApiError && err.code === 'daily_limit_exceeded') {
          const fresh = await freshLimits();
          form.show({
            fields: { amount: dailyLimitMessage(fresh, review.body.currency) },
            message: undefined,
          });
          setStep('form');
          return;
        }
        // Back to the details when one of them is wrong, or when the payee itself is (a saved payee's
        // account closed or frozen, or in another currency: not a field on screen, so said for the whole form).
        if (
          Object.keys(problems.fields).length > 0 ||
          (err instanceof ApiError && PAYEE_PROBLEMS.has(err.code)) ||
          isRecipientRefusal(err)
        )
          setStep('form');
        form.show(problems);
      }
    },
  );

  const useHolderName = () => {
    if (!review?.to.holderName) return;
    form.set('toName', review.to.holderName);
    setReview({ ...review, to: { ...review.to, name: review.to.holderName, match: 'exact' } });
  };

  const again = () => {
    form.reset();
    setResult(undefined);
    setSaved(undefined);
    setReview(undefined);
    setRepeat(undefined);
    setStep('form');
    refresh();
  };

  // An intent whose outcome is unknown comes first: it is resumed, never started again.
  if (held.unknown && step !== 'done') {
    const p = held.unknown.payload;
    return (
      <Page narrow title="Transfer money">
        <UnknownOutcome state={held} forgetLabel="Leave it and start a new transfer" then="details-title">
          <TransferSummary intent={p} />
        </UnknownOutcome>
      </Page>
    );
  }

  if (load.state !== 'ok' || !from) return <NoSource title="Transfer money" load={load} />;

  const limit = limitLine(limits, from.currency);
  return (
    <Page narrow title="Transfer money">
      {step === 'form' ? (
        <form onSubmit={toReview} noValidate>
          <h2 id="details-title" ref={stepRef} tabIndex={-1}>
            Details
          </h2>
          <p class="muted">
            Paying several people at once, such as a payroll?{' '}
            <Link to={`/transfer/bulk?from=${from.id}`}>Make a bulk payment</Link>.
          </p>
          <FromAccount
            sources={sources}
            from={from}
            gone={fromGone}
            error={form.fields.fromAccountId}
            onChange={(id) => form.set('fromAccountId', id)}
          />
          <fieldset>
            <legend>Who are you paying?</legend>
            {(
              [
                ['payee', 'A saved payee'],
                ['new', 'Someone new'],
                ['own', 'Between my accounts'],
              ] as const
            ).map(([value, label]) => (
              <label class="choice" key={value}>
                <input
                  type="radio"
                  name="mode"
                  value={value}
                  checked={mode === value}
                  onChange={() => form.set('mode', value)}
                />
                {label}
              </label>
            ))}
          </fieldset>
          {mode === 'payee' ? (
            payees.length === 0 ? (
              <p id="f-payeeId" tabIndex={-1}>
                You have no saved payees yet. Choose “Someone new”, or <Link to="/payees">add a payee</Link>.
              </p>
            ) : (
              <div class="field">
                <label for="f-payeeId">Payee</label>
                {payeeGone ? (
                  <span class="hint" id="f-payeeId-hint">
                    The payee you chose is no longer saved. Choose who to pay.
                  </span>
                ) : null}
                <select
                  id="f-payeeId"
                  name="payeeId"
                  value={payee?.id ?? ''}
                  aria-invalid={form.fields.payeeId ? 'true' : undefined}
                  aria-describedby={
                    [payeeGone ? 'f-payeeId-hint' : '', form.fields.payeeId ? 'f-payeeId-error' : '']
                      .filter(Boolean)
                      .join(' ') || undefined
                  }
                  onChange={(e) => form.set('payeeId', e.currentTarget.value)}
                >
                  {payee ? null : (
                    <option value="" disabled>
                      Choose a payee
                    </option>
                  )}
                  {payees.map((p) => (
                    <option key={p.id} value={p.id}>
                      {p.name} ({lastDigits(p.accountNumber)})
                    </option>
                  ))}
                </select>
                {form.fields.payeeId ? (
                  <span class="field-error" id="f-payeeId-error">
                    {form.fields.payeeId}
                  </span>
                ) : null}
              </div>
            )
          ) : null}
          {mode === 'new' ? (
            <>
              <Field
                label="To account number"
                hint="10 digits"
                inputMode="numeric"
                autocomplete="off"
                {...form.bind('toAccountNumber')}
              />
              <Field
                label="Name on the account"
                hint={'We check it against the account holder\u2019s name before you confirm.'}
                autocomplete="off"
                maxLength={100}
                {...form.bind('toName')}
              />
              <label class="choice">
                <input
                  type="checkbox"
                  name="savePayee"
                  checked={form.values.savePayee === 'yes'}
                  onChange={(e) => form.set('savePayee', e.currentTarget.checked ? 'yes' : '')}
                />
                Save as a payee
              </label>
            </>
          ) : null}
          {mode === 'own' ? (
            ownTargets.length === 0 ? (
              <p id="f-ownAccountId" tabIndex={-1}>
                You have no other open account. <Link to="/accounts/new">Open an account</Link>.
              </p>
            ) : (
              <div class="field">
                <label for="f-ownAccountId">To</label>
                <select
                  id="f-ownAccountId"
                  name="ownAccountId"
                  value={own?.id}
                  aria-invalid={form.fields.ownAccountId ? 'true' : undefined}
                  aria-describedby={form.fields.ownAccountId ? 'f-ownAccountId-error' : undefined}
                  onChange={(e) => form.set('ownAccountId', e.currentTarget.value)}
                >
                  {ownTargets.map((a) => (
                    <option key={a.id} value={a.id}>
                      {accountName(a)} {a.number} ({formatMoney(a.balance, a.currency)})
                    </option>
                  ))}
                </select>
                {form.fields.ownAccountId ? (
                  <span class="field-error" id="f-ownAccountId-error">
                    {form.fields.ownAccountId}
                  </span>
                ) : null}
              </div>
            )
          ) : null}
          <Field
            label={`Amount (${from.currency})`}
            hint={
              <>
                Available: {formatMoney(from.available, from.currency)}.{' '}
                <span data-testid="limit-left">{limit}</span>
              </>
            }
            inputMode="decimal"
            autocomplete="off"
            {...form.bind('amount')}
          />
          <Field
            label="Description (optional)"
            hint="The payee sees it."
            maxLength={140}
            {...form.bind('description')}
          />
          <Field
            label="Note for yourself (optional)"
            hint="Only you see it."
            maxLength={500}
            {...form.bind('note')}
          />
          <label class="choice">
            <input
              type="checkbox"
              name="pending"
              checked={form.values.pending === 'yes'}
              onChange={(e) => form.set('pending', e.currentTarget.checked ? 'yes' : '')}
            />
            Hold the money until I release it (a pending transfer)
          </label>
          {form.values.pending === 'yes' ? (
            <div class="field">
              <label for="f-holdSeconds">Cancel it automatically after</label>
              <select
                id="f-holdSeconds"
                name="holdSeconds"
                value={form.values.holdSeconds}
                onChange={(e) => form.set('holdSeconds', e.currentTarget.value)}
              >
                {HOLD_CHOICES.map((c) => (
                  <option key={c.seconds} value={String(c.seconds)}>
                    {c.label}
                  </option>
                ))}
              </select>
            </div>
          ) : null}
          <FormError {...form.error} />
          <div class="actions">
            <SubmitButton busy={form.busy} busyText="Checking…">
              Review transfer
            </SubmitButton>
            <Link to="/">Cancel</Link>
          </div>
        </form>
      ) : null}
      {step === 'review' && review ? (
        <section aria-labelledby="review-title">
          <h2 id="review-title" ref={stepRef} tabIndex={-1}>
            Check and confirm
          </h2>
          <TransferSummary intent={review} />
          <MatchNotice to={review.to} onUseHolderName={useHolderName} />
          {repeat ? (
            <div class="warning" role="alert" data-testid="repeat-warning">
              <p>
                <strong>You sent this already. Send again?</strong> A transfer of{' '}
                {formatMoney(review.body.amount, review.body.currency)} to {review.to.name} was{' '}
                {repeat.outcome === 'unknown' ? 'perhaps sent (we never heard back)' : 'sent'} at{' '}
                {new Date(repeat.at).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })}.
              </p>
            </div>
          ) : null}
          <FormError {...form.error} />
          <div class="actions">
            <SubmitButton
              type="button"
              busy={form.busy || held.checking}
              busyText="Sending…"
              onClick={confirm}
            >
              {repeat ? 'Yes, send again' : 'Confirm transfer'}
            </SubmitButton>
            {repeat ? (
              <button type="button" onClick={() => navigate(`/accounts/${review.body.fromAccountId}`)}>
                No, don’t send it
              </button>
            ) : null}
            <ChangeDetails
              busy={form.busy}
              onBack={() => {
                setStep('form');
                focusStep();
              }}
            />
          </div>
        </section>
      ) : null}
      {step === 'done' && result ? (
        <section aria-labelledby="done-title">
          <h2 id="done-title" ref={stepRef} tabIndex={-1}>
            {result.tx.status === 'pending' ? 'Transfer pending' : 'Transfer sent'}
          </h2>
          <p class="notice" role="status">
            {result.tx.status === 'pending'
              ? `${formatMoney(result.tx.amount, result.tx.currency)} is held for ${result.intent.to.name} until you release it.`
              : `You sent ${formatMoney(result.tx.amount, result.tx.currency)} to ${result.intent.to.name} (account ${result.tx.toAccountNumber}).`}
            {result.tx.balanceAfter !== undefined
              ? ` Your new balance is ${formatMoney(result.tx.balanceAfter, result.tx.currency)}.`
              : ''}
          </p>
          {saved ? <PayeeSaved saving={saved} /> : null}
          <div class="actions">
            <Link to={`/transactions/${result.tx.id}`} class="button primary">
              View receipt
            </Link>
            <Link to={`/accounts/${result.tx.fromAccountId}`} class="button">
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

/** "Save as a payee" after a transfer: under way, done, or not done (the transfer stands either way). */
type PayeeSaving =
  | { name: string; state: 'saving' }
  | { name: string; state: 'saved' }
  | { name: string; state: 'failed'; message?: string | undefined };

const PayeeSaved = ({ saving }: { saving: PayeeSaving }) => (
  <p
    class={saving.state === 'failed' ? 'warning' : 'muted'}
    role="status"
    data-testid="payee-saved"
    data-state={saving.state}
  >
    {saving.state === 'saving' ? (
      `Saving ${saving.name} as a payee\u2026`
    ) : saving.state === 'saved' ? (
      `${saving.name} is saved as a payee.`
    ) : (
      <>
        We could not save {saving.name} as a payee. {saving.message ?? ''}{' '}
        <Link to="/payees">Add them on the payees screen</Link>.
      </>
    )}
  </p>
);

/** What is being sent, to whom, from where. */
export const TransferSummary = ({ intent }: { intent: TransferIntent }) => (
  <dl class="summary" data-testid="review">
    <dt>From</dt>
    <dd>{intent.fromLabel}</dd>
    <dt>To</dt>
    <dd>
      {intent.to.name}
      <br />
      <span class="muted">Account {intent.to.number}</span>
    </dd>
    <dt>Amount</dt>
    <dd class="big">
      <Money minor={intent.body.amount} currency={intent.body.currency} />
    </dd>
    {intent.body.pending ? (
      <>
        <dt>When</dt>
        <dd>
          Held until you release it; cancelled automatically after{' '}
          {HOLD_CHOICES.find((c) => c.seconds === intent.body.expiresInSeconds)?.label ?? 'a while'}
        </dd>
      </>
    ) : null}
    {intent.body.description ? (
      <>
        <dt>Description</dt>
        <dd>{intent.body.description}</dd>
      </>
    ) : null}
    {intent.body.metadata?.note ? (
      <>
        <dt>Your note</dt>
        <dd>{intent.body.metadata.note}</dd>
      </>
    ) : null}
  </dl>
);

export type { Account, Payee };
