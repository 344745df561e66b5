/**
 * Bulk payments (payroll, payouts): one account pays up to MAX_BATCH_TRANSFERS people at once, all
 * sent together or none (POST /v1/transfers/batch). Each payment goes to a saved payee or to an
 * account number and name, checked against the holder's name before the review (confirmation of
 * payee, as for one transfer); the total is checked against what the account may spend and today's
 * limit. A refusal of some payments marks those rows and sends none.
 *
 * Never pay twice: the batch is a held intent (held-intent.tsx) with its Idempotency-Key until its
 * outcome is definite, like a single transfer, and a payment sent (or perhaps sent) in the last 10
 * minutes is questioned on the review ("You sent some of these already"), a batch given up on among them.
 */
import { useRef, useState } from 'preact/hooks';
import { lastDigits } from '../account-number.ts';
import { type BatchBody, type BatchResult, moneyApi, type PayeeCheck } from '../api-money.ts';
import {
  type BatchRow,
  checkRows,
  emptyRow,
  enteredTotal,
  fieldName,
  MAX_BATCH_TRANSFERS,
  MAX_CSV_BYTES,
  NEW,
  type RowField,
  refusalFields,
  refusedRows,
  samePayments,
} from '../batch.ts';
import { ApiError, explain, MESSAGES, RECIPIENT_CLOSED } from '../errors.ts';
import { UnknownOutcome, useHeldIntent } from '../held-intent.tsx';
import { dailyLimitMessage, limitLine } from '../limits.ts';
import { formatMoney } from '../money.ts';
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
import { MatchNotice, type TransferIntent } from './transfer.tsx';

/** What the review, the receipt and a resumed intent need: written down with the key. */
export interface BulkIntent {
  body: BatchBody;
  /** Whom each payment goes to, as a single transfer's review knows it (never one's own account). */
  to: Omit<TransferIntent['to'], 'own'>[];
  fromLabel: string;
  /** The rows as reviewed, in the request's order: a refusal's indexes mark these, after a reload too. */
  rows: BatchRow[];
}

type Step = 'form' | 'review' | 'done';

/** The payments of a batch as this tab's record of recent transfers knows them. */
const sendsOf = (p: BulkIntent) =>
  p.body.transfers.map((t) => ({ to: t.toAccountNumber, amount: t.amount, currency: p.body.currency }));

/** A refused batch, in words: which payments, to whom, and why (nothing was sent). */
const refusalWords = (e: unknown, p: BulkIntent): string => {
  const refused = refusedRows(e);
  if (refused.size === 0) return explain(e).message ?? '';
  const which = [...refused].map(
    ([i, why]) => `${p.to[i]?.name ?? 'A payment'} (account ${p.to[i]?.number ?? 'unknown'}): ${why}`,
  );
  return [MESSAGES.batch_rejected, ...which].join(' ');
};

const CHECK_LATER =
  'We could not check every name just now: the bank checks only so many a minute, and a day. Wait a minute (after very many checks today, until tomorrow), then review again (the names checked so far are kept), or pay saved payees.';

export const BulkPayment = () => {
  const { api, query, navigate } = useApp();
  const m = moneyApi(api);
  const { load, sources, payees, limits, refresh, freshLimits } = useSending();
  const [step, setStep] = useState<Step>('form');
  const form = useForm<string>({ fromAccountId: query.get('from') ?? '' });
  const nextId = useRef(1);
  const [rows, setRows] = useState<BatchRow[] | undefined>();
  const [review, setReview] = useState<BulkIntent | undefined>();
  const [repeats, setRepeats] = useState<(Earlier | undefined)[]>([]);
  /** What the last file added, said once (a status). */
  const [imported, setImported] = useState<string | undefined>();
  const [result, setResult] = useState<{ batch: BatchResult; intent: BulkIntent } | undefined>();
  /**
   * Confirmation of payee answers by number and name ('unknown': no account has the number; 'closed':
   * its account is closed), kept across reviews: the bank allows so many checks a minute, and counts
   * an unknown number and a closed account's too.
   */
  const checked = useRef(new Map<string, PayeeCheck | 'unknown' | 'closed'>()).current;
  const recent = useRef(recentTransfers()).current;
  const stepRef = useRef<HTMLHeadingElement>(null);
  const focusStep = () => requestAnimationFrame(() => stepRef.current?.focus());

  /** Back to the rows that were sent, each refused one marked; the balances and limits read again. */
  const showRefusal = async (e: unknown, p: BulkIntent, lead = '') => {
    // Once per distinct payment: each call forgets one note of a payment perhaps sent.
    const distinct = new Map(sendsOf(p).map((t) => [`${t.to} ${t.amount}`, t]));
    for (const t of distinct.values()) recent.refused(t);
    refresh();
    nextId.current = Math.max(nextId.current, ...p.rows.map((r) => r.id + 1));
    setRows(p.rows);
    form.set('fromAccountId', p.body.fromAccountId);
    setStep('form');
    const words =
      e instanceof ApiError && e.code === 'daily_limit_exceeded'
        ? dailyLimitMessage(await freshLimits(), p.body.currency)
        : e instanceof ApiError && e.code === 'insufficient_funds'
          ? `${MESSAGES.insufficient_funds} The payments add up to ${formatMoney(totalOf(p), p.body.currency)}.`
          : refusalWords(e, p);
    form.show({ fields: refusalFields(e, p.rows), message: lead + words });
  };

  const held = useHeldIntent<BulkIntent, BatchResult>(
    'bulk',
    (p, key) => m.transferBatch(p.body, key),
    (batch, p) => {
      for (const t of sendsOf(p)) recent.record({ ...t, at: Date.now(), outcome: 'succeeded' });
      setResult({ batch, intent: p });
      setStep('done');
      focusStep();
    },
    (e, p) =>
      void showRefusal(
        e,
        p,
        `Your bulk payment of ${formatMoney(totalOf(p), p.body.currency)} was not made. `,
      ),
    (given) => {
      // Given up, though it may have gone through: each payment counts as perhaps sent (the same one
      // again is questioned), and the screen starts from empty rows, never from the batch's details.
      for (const t of sendsOf(given.payload)) recent.record({ ...t, at: given.since, outcome: 'unknown' });
      again();
    },
  );

  const { from, gone: fromGone } = sourceOf(sources, form.values.fromAccountId ?? '');
  const lines = rows ?? (load.state === 'ok' ? [emptyRow(0, payees)] : []);
  const linesNow = useRef(lines);
  linesNow.current = lines;

  const setRow = (id: number, field: RowField, value: string) =>
    setRows(lines.map((r) => (r.id === id ? { ...r, [field]: value } : r)));
  const bindRow = (r: BatchRow, field: Exclude<RowField, 'to'>) => ({
    name: fieldName(r.id, field),
    value: r[field],
    onValue: (v: string) => setRow(r.id, field, v),
    error: form.fields[fieldName(r.id, field)],
  });
  const focusRow = (id: number) =>
    requestAnimationFrame(() => document.getElementById(`f-${fieldName(id, 'to')}`)?.focus());
  const addRow = () => {
    const id = nextId.current++;
    setRows([...lines, emptyRow(id, payees)]);
    focusRow(id);
  };
  const removeRow = (id: number) => {
    const at = lines.findIndex((r) => r.id === id);
    const rest = lines.filter((r) => r.id !== id);
    setRows(rest);
    // Focus goes to the next row's first field (or the last row's), never lost to the page.
    const next = rest[Math.min(at, rest.length - 1)];
    if (next) focusRow(next.id);
  };

  /** A CSV file's payments added after the rows (instead of the one empty row a new form has). */
  const addFromFile = async (file: File) => {
    // Cleared first, so that the same words after another file are announced again.
    setImported(undefined);
    if (file.size > MAX_CSV_BYTES) {
      form.show({ fields: form.fields, message: 'That file is too large for a bulk payment.' });
      return;
    }
    let parse: typeof import('../batch-csv.ts');
    try {
      parse = await import('../batch-csv.ts');
    } catch {
      form.show({
        fields: form.fields,
        message: 'This part of the page could not load. Check your connection and try again.',
      });
      return;
    }
    let text: string;
    try {
      text = await file.text();
    } catch {
      form.show({
        fields: form.fields,
        message: 'We could not read that file. Choose a CSV file and try again.',
      });
      return;
    }
    // The rows as they are now (edits made while the file was read included), after a form's one
    // empty row is dropped.
    const now = linesNow.current;
    const blank = (r: BatchRow) => !r.accountNumber && !r.name && !r.amount && !r.description;
    const kept = now.length === 1 && now[0] && blank(now[0]) ? [] : now;
    const { rows: added, problems } = parse.rowsFromCsv(
      text,
      payees,
      () => nextId.current++,
      MAX_BATCH_TRANSFERS - kept.length,
    );
    setRows([...kept, ...added]);
    setImported(`${added.length} payment${added.length === 1 ? '' : 's'} added from ${file.name}.`);
    // The marks on the rows kept stay.
    form.show({ fields: form.fields, message: problems.length > 0 ? problems.join(' ') : undefined });
  };

  const toReview = form.submit(
    () => ({ fromAccountId: fromGone ? SOURCE_GONE : undefined }),
    async () => {
      if (!from) return;
      // The rows as they are now are what is reviewed and sent; edits made while the names are
      // checked stay on the form for "Change details", and are not in this review.
      const sent = lines;
      const c = checkRows(sent, from, payees, limits);
      if (!c.ok) {
        form.show({ fields: c.fields, message: c.message });
        return;
      }
      const { recipients, amounts } = c.ok;
      // Confirmation of payee for the account numbers typed here (a saved payee was checked when it
      // was saved); answers are kept, so a second review asks only for new or changed names.
      const keyOf = (r: { number: string; name: string }) => `${r.number}\n${r.name}`;
      const ask = recipients.filter((r) => !r.payeeId && !checked.has(keyOf(r)));
      const answers = await Promise.allSettled(
        ask.map((r) => m.checkPayee({ name: r.name, accountNumber: r.number })),
      );
      // Every answer is kept before any failure is said: none of the allowance is spent twice.
      let limited = false;
      const failures: unknown[] = [];
      answers.forEach((a, i) => {
        const r = ask[i] as (typeof ask)[number];
        if (a.status === 'fulfilled') checked.set(keyOf(r), a.value);
        else if (a.reason instanceof ApiError && a.reason.code === 'recipient_not_found')
          checked.set(keyOf(r), 'unknown');
        // The check names one account, the row's: refused only when it is closed (nothing could be paid).
        else if (a.reason instanceof ApiError && a.reason.code === 'account_not_active')
          checked.set(keyOf(r), 'closed');
        else if (a.reason instanceof ApiError && a.reason.code === 'rate_limited') limited = true;
        else failures.push(a.reason);
      });
      if (failures.length > 0) throw failures[0];
      const refused = sent.flatMap((row, i) => {
        const r = recipients[i];
        const answer = r && !r.payeeId ? checked.get(keyOf(r)) : undefined;
        return answer === 'unknown'
          ? [[fieldName(row.id, 'accountNumber'), MESSAGES.recipient_not_found] as const]
          : answer === 'closed'
            ? [[fieldName(row.id, 'accountNumber'), RECIPIENT_CLOSED] as const]
            : [];
      });
      if (refused.length > 0 || limited) {
        form.show({
          fields: Object.fromEntries(refused),
          message: limited ? CHECK_LATER : undefined,
        });
        return;
      }
      const to = recipients.map((r): BulkIntent['to'][number] => {
        const payee = r.payeeId ? payees.find((p) => p.id === r.payeeId) : undefined;
        // The match from when it was saved; the holder's name is not kept with a payee.
        if (payee) return { name: payee.name, number: payee.accountNumber, match: payee.match, payee: true };
        const check = checked.get(keyOf(r));
        return typeof check === 'object'
          ? { name: r.name, number: r.number, match: check.match, holderName: check.name }
          : { name: r.name, number: r.number };
      });
      const body: BatchBody = {
        fromAccountId: from.id,
        currency: from.currency,
        transfers: sent.map((row, i) => {
          const description = row.description.trim();
          return {
            toAccountNumber: to[i]?.number ?? '',
            amount: amounts[i] ?? 0,
            ...(description ? { description } : {}),
          };
        }),
      };
      const intent: BulkIntent = { body, to, fromLabel: `${accountName(from)} ${from.number}`, rows: sent };
      // Sent (or perhaps sent) already? This tab's record, then the account's own history.
      setRepeats(await earlierSends(recent, m, from.id, sendsOf(intent)));
      setReview(intent);
      setStep('review');
      focusStep();
    },
  );

  const confirm = form.submit(
    () => undefined,
    async () => {
      if (!review) return;
      for (const t of sendsOf(review)) recent.record({ ...t, at: Date.now(), outcome: 'unknown' });
      try {
        await held.submit(review);
      } catch (err) {
        // A refusal: nothing moved. The refused rows are marked; a refusal of the whole batch (the
        // total, the account) is said for the form.
        await showRefusal(err, review);
      }
    },
  );

  const again = () => {
    form.reset();
    form.clear();
    setRows(undefined);
    setReview(undefined);
    setRepeats([]);
    setImported(undefined);
    setResult(undefined);
    setStep('form');
    refresh();
  };

  if (held.unknown && step !== 'done') {
    return (
      <Page narrow title="Bulk payment">
        <UnknownOutcome
          state={held}
          forgetLabel="Leave it and start a new bulk payment"
          then="payments-title"
        >
          <BulkSummary intent={held.unknown.payload} />
        </UnknownOutcome>
      </Page>
    );
  }

  if (load.state !== 'ok' || !from) return <NoSource title="Bulk payment" load={load} />;

  const total = enteredTotal(lines, from.currency);
  const same = review ? samePayments(review.body.transfers) : [];
  const limit = limitLine(limits, from.currency);
  return (
    <Page narrow title="Bulk payment">
      {step === 'form' ? (
        <form onSubmit={toReview} noValidate>
          <h2 id="payments-title" ref={stepRef} tabIndex={-1}>
            Payments
          </h2>
          <p class="muted">
            Pay up to {MAX_BATCH_TRANSFERS} people at once, such as a payroll. They are all sent together, or
            none are.
          </p>
          <FromAccount
            sources={sources}
            from={from}
            gone={fromGone}
            error={form.fields.fromAccountId}
            onChange={(id) => form.set('fromAccountId', id)}
          />
          {lines.map((r, i) => {
            const toName = fieldName(r.id, 'to');
            const toError = form.fields[toName];
            return (
              <fieldset key={r.id} data-testid="bulk-row">
                <legend>Payment {i + 1}</legend>
                <div class="field">
                  <label for={`f-${toName}`}>To</label>
                  <select
                    id={`f-${toName}`}
                    name={toName}
                    value={r.to}
                    aria-invalid={toError ? 'true' : undefined}
                    aria-describedby={toError ? `f-${toName}-error` : undefined}
                    onChange={(e) => setRow(r.id, 'to', e.currentTarget.value)}
                  >
                    {payees.map((p) => (
                      <option key={p.id} value={p.id}>
                        {p.name} ({lastDigits(p.accountNumber)})
                      </option>
                    ))}
                    <option value={NEW}>Someone new (enter their account number)</option>
                  </select>
                  {toError ? (
                    <span class="field-error" id={`f-${toName}-error`}>
                      {toError}
                    </span>
                  ) : null}
                </div>
                {r.to === NEW ? (
                  <>
                    <Field
                      label="Account number"
                      hint="10 digits"
                      inputMode="numeric"
                      autocomplete="off"
                      {...bindRow(r, 'accountNumber')}
                    />
                    <Field
                      label="Name on the account"
                      autocomplete="off"
                      maxLength={100}
                      {...bindRow(r, 'name')}
                    />
                  </>
                ) : null}
                <Field
                  label={`Amount (${from.currency})`}
                  inputMode="decimal"
                  autocomplete="off"
                  {...bindRow(r, 'amount')}
                />
                <Field
                  label="Description (optional)"
                  hint="The payee sees it."
                  maxLength={140}
                  {...bindRow(r, 'description')}
                />
                {lines.length > 1 ? (
                  <button type="button" onClick={() => removeRow(r.id)}>
                    Remove payment {i + 1}
                  </button>
                ) : null}
              </fieldset>
            );
          })}
          {lines.length < MAX_BATCH_TRANSFERS ? (
            <div class="actions">
              <button type="button" onClick={addRow}>
                Add a payment
              </button>
            </div>
          ) : (
            <p class="muted">That is the most payments one bulk payment can hold.</p>
          )}
          {lines.length < MAX_BATCH_TRANSFERS ? (
            <div class="field">
              <label for="f-file">Add payments from a file (CSV)</label>
              <span class="hint" id="f-file-hint">
                One payment a line: account number, name, amount and, if you like, a description. A header
                line is fine.
              </span>
              <input
                id="f-file"
                type="file"
                accept=".csv,text/csv"
                aria-describedby="f-file-hint"
                onChange={(e) => {
                  const input = e.currentTarget;
                  const file = input.files?.[0];
                  if (file) void addFromFile(file).finally(() => (input.value = ''));
                }}
              />
            </div>
          ) : null}
          <p class="muted" role="status">
            {imported ?? ''}
          </p>
          <p data-testid="bulk-total">
            {lines.length} payment{lines.length === 1 ? '' : 's'}, {formatMoney(total, from.currency)} in all.
            Available: {formatMoney(from.available, from.currency)}. {limit}
          </p>
          <FormError {...form.error} />
          <div class="actions">
            <SubmitButton busy={form.busy} busyText="Checking…">
              Review payments
            </SubmitButton>
            <Link to="/transfer">Cancel</Link>
          </div>
        </form>
      ) : null}
      {step === 'review' && review ? (
        <section aria-labelledby="review-title">
          <h2 id="review-title" ref={stepRef} tabIndex={-1}>
            Check and confirm
          </h2>
          <BulkSummary intent={review} />
          {review.to.map((t, i) =>
            t.match && t.match !== 'exact' ? (
              <div key={t.number + String(i)}>
                <p class="muted">
                  Payment {i + 1}, to {t.name}:
                </p>
                <MatchNotice to={t} />
              </div>
            ) : null,
          )}
          {same.length > 0 ? (
            <div class="warning" data-testid="same-warning">
              <p>
                <strong>Some payments look the same.</strong> Check that none is there twice (a file added
                twice, say):
              </p>
              <ul>
                {same.map((g) => (
                  <li key={g.join()}>
                    Payments{' '}
                    {g
                      .slice(0, -1)
                      .map((i) => i + 1)
                      .join(', ')}{' '}
                    and {(g[g.length - 1] ?? 0) + 1}:{' '}
                    {formatMoney(review.body.transfers[g[0] ?? 0]?.amount ?? 0, review.body.currency)} each to{' '}
                    {review.to[g[0] ?? 0]?.name}
                  </li>
                ))}
              </ul>
            </div>
          ) : null}
          {repeats.some(Boolean) ? (
            <div class="warning" role="alert" data-testid="repeat-warning">
              <p>
                <strong>You sent some of these already. Send them again?</strong>
              </p>
              <ul>
                {repeats.map((r, i) =>
                  r ? (
                    <li key={`${review.to[i]?.number}-${String(i)}`}>
                      {formatMoney(review.body.transfers[i]?.amount ?? 0, review.body.currency)} to{' '}
                      {review.to[i]?.name} was{' '}
                      {r.outcome === 'unknown' ? 'perhaps sent (we never heard back)' : 'sent'} at{' '}
                      {new Date(r.at).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })}.
                    </li>
                  ) : null,
                )}
              </ul>
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
              {repeats.some(Boolean)
                ? `Yes, send all ${review.body.transfers.length}`
                : `Send ${review.body.transfers.length} payment${review.body.transfers.length === 1 ? '' : 's'}`}
            </SubmitButton>
            {repeats.some(Boolean) ? (
              <button type="button" onClick={() => navigate(`/accounts/${review.body.fromAccountId}`)}>
                No, don’t send them
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
            Bulk payment sent
          </h2>
          <p class="notice" role="status">
            You sent {result.batch.transfers.length} payment{result.batch.transfers.length === 1 ? '' : 's'},{' '}
            {formatMoney(totalOf(result.intent), result.intent.body.currency)} in all.
            {lastBalance(result.batch) !== undefined
              ? ` Your new balance is ${formatMoney(lastBalance(result.batch) as number, result.intent.body.currency)}.`
              : ''}
          </p>
          <ul class="history" data-testid="bulk-receipts">
            {result.batch.transfers.map((tx, i) => (
              <li key={tx.id}>
                <Link to={`/transactions/${tx.id}`}>
                  {result.intent.to[i]?.name ?? tx.toAccountNumber}: {formatMoney(tx.amount, tx.currency)}
                </Link>
              </li>
            ))}
          </ul>
          <div class="actions">
            <Link to={`/accounts/${result.intent.body.fromAccountId}`} class="button primary">
              View account
            </Link>
            <button type="button" onClick={again}>
              Make another bulk payment
            </button>
          </div>
        </section>
      ) : null}
    </Page>
  );
};

const totalOf = (p: BulkIntent): number => p.body.transfers.reduce((s, t) => s + t.amount, 0);

/** The sender's balance after the batch: the last transfer's, which saw every one before it. */
const lastBalance = (b: BatchResult): number | undefined => b.transfers[b.transfers.length - 1]?.balanceAfter;

/** What is being sent, from where, to whom: one line per payment and the total. */
export const BulkSummary = ({ intent }: { intent: BulkIntent }) => (
  <>
    <dl class="summary" data-testid="review">
      <dt>From</dt>
      <dd>{intent.fromLabel}</dd>
      <dt>Payments</dt>
      <dd>{intent.body.transfers.length}</dd>
      <dt>Total</dt>
      <dd class="big">
        <Money minor={totalOf(intent)} currency={intent.body.currency} />
      </dd>
    </dl>
    <table>
      <caption class="visually-hidden">Payments in this bulk payment</caption>
      <thead>
        <tr>
          <th scope="col">To</th>
          <th scope="col" class="num">
            Amount
          </th>
        </tr>
      </thead>
      <tbody>
        {intent.body.transfers.map((t, i) => (
          <tr key={`${t.toAccountNumber}-${String(i)}`}>
            <td>
              {intent.to[i]?.name}
              <br />
              <span class="muted">Account {t.toAccountNumber}</span>
              {t.description ? (
                <>
                  <br />
                  <span class="muted">{t.description}</span>
                </>
              ) : null}
            </td>
            <td class="num">
              <Money minor={t.amount} currency={intent.body.currency} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  </>
);
