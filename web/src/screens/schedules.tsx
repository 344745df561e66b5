/**
 * Scheduled and recurring transfers: the list (newest first, a page at a time), a new one (once, weekly or monthly, to a payee or an
 * account number), and one schedule with its runs and a way to cancel it.
 */
import { useState } from 'preact/hooks';
import { accountNumberProblem, lastDigits, normalizeAccountNumber } from '../account-number.ts';
import { moneyApi, type Schedule, type ScheduleBody } from '../api-money.ts';
import { bankDayStartsLocally, isDay } from '../days.ts';
import { ApiError, explain } from '../errors.ts';
import { UnknownOutcome, useHeldIntent } from '../held-intent.tsx';
import { formatMoney, parseAmount } from '../money.ts';
import { useMore } from '../more.ts';
import { earliestFirstDate, lastFirstDate, parseRunCount } from '../schedule-count.ts';
import { countText, endText, openRunText, runFailureText, scheduleLimitText } from '../schedule-text.ts';
import {
  accountName,
  Empty,
  Field,
  FormError,
  Link,
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

const FREQUENCY: Record<Schedule['frequency'], string> = {
  once: 'Once',
  weekly: 'Every week',
  monthly: 'Every month',
};
const STATUS: Record<Schedule['status'], string> = {
  active: 'Active',
  ended: 'Ended',
  cancelled: 'Cancelled',
};

const dayFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeZone: 'UTC' });
/** A calendar date (`2026-12-01`) as the customer reads it. */
const day = (d: string) => dayFormat.format(new Date(`${d}T00:00:00Z`));

/**
 * A run's date, a bank's day (UTC), with when the bank starts paying it in the customer's own time where
 * that is not the date's midnight: "8 Dec 2026 (UTC; paid from 16:00 on 7 Dec your time)".
 */
const bankDay = (d: string) => {
  const local = bankDayStartsLocally(d);
  return `${day(d)} (UTC${local ? `; paid from ${local} your time` : ''})`;
};

/** A schedule refused because its amount is above the daily limit. */
const isLimitRefusal = (e: unknown): boolean => e instanceof ApiError && e.code === 'daily_limit_exceeded';

/** What the dates of scheduled transfers are, said once on each screen that shows them. */
const BANK_DAYS = "Dates are the bank's days (UTC).";

const useNames = () => {
  const { api } = useApp();
  return useLoad(async () => {
    const [accounts, payees] = await Promise.all([api.accounts(), moneyApi(api).payees()]);
    return { accounts: accounts.items, payees: payees.items };
  }, []);
};

export const Schedules = () => {
  const { api } = useApp();
  const load = useLoad(() => moneyApi(api).schedules(), []);
  // Older ones a page at a time. One list in the order the bank keeps them (newest first, whatever
  // their status): an "active" section made of the pages loaded so far would miss an older active one.
  const more = useMore<Schedule>((cursor) => moneyApi(api).schedules(cursor));
  const names = useNames();
  const payeeName = (n: string) =>
    names.state === 'ok' ? names.data.payees.find((p) => p.accountNumber === n)?.name : undefined;
  const { items, cursor } =
    load.state === 'ok' ? more.after(load.data) : { items: [] as Schedule[], cursor: null };
  return (
    <Page title="Scheduled transfers">
      <div class="actions">
        <Link to="/schedules/new" class="button primary">
          Schedule a transfer
        </Link>
      </div>
      <LoadState load={load} what="your scheduled transfers" />
      {load.state === 'ok' && items.length === 0 ? (
        <Empty>
          <p>You have no scheduled transfers.</p>
        </Empty>
      ) : null}
      {items.length > 0 ? (
        <>
          <p>Newest first, with those that ended or were cancelled. {BANK_DAYS}</p>
          <ul class="account-list" aria-label="Scheduled transfers, newest first" ref={more.listRef}>
            {items.map((s) => (
              <li key={s.id} data-schedule={s.id} data-status={s.status}>
                <Link to={`/schedules/${s.id}`} class="account-link">
                  <span class="account-name">
                    {payeeName(s.toAccountNumber) ?? `Account ${s.toAccountNumber}`}
                    {s.description ? ` · ${s.description}` : ''}
                  </span>
                  <span class="account-balance">
                    <Money minor={s.amount} currency={s.currency} />
                  </span>
                  <span class="account-meta">
                    {FREQUENCY[s.frequency]}
                    {s.nextRunDate ? ` · Next on ${bankDay(s.nextRunDate)}` : ''}
                    <span class="badge">{STATUS[s.status]}</span>
                  </span>
                </Link>
              </li>
            ))}
          </ul>
        </>
      ) : null}
      <ShowMore more={more} cursor={cursor}>
        Show older scheduled transfers
      </ShowMore>
    </Page>
  );
};

export const NewSchedule = () => {
  const { api, navigate } = useApp();
  const names = useNames();
  const form = useForm({
    fromAccountId: '',
    payeeId: '',
    toAccountNumber: '',
    amount: '',
    description: '',
    startDate: earliestFirstDate(),
    frequency: 'monthly',
    count: '',
  });
  // Created once per intent: a schedule made twice would pay every run twice. A lost answer is asked
  // again with the same Idempotency-Key, after a reload too (useHeldIntent).
  const held = useHeldIntent<ScheduleBody, Schedule>(
    'schedule',
    (body, key) => moneyApi(api).createSchedule(body, key),
    (s) =>
      navigate(`/schedules/${s.id}`, {
        flash: `Scheduled: ${formatMoney(s.amount, s.currency)}, ${FREQUENCY[s.frequency].toLowerCase()}, first on ${bankDay(s.startDate)}.`,
      }),
    (e, p) =>
      form.show({
        fields: {},
        // The daily limit's own words ("try again tomorrow") would not do: every run would be refused.
        message: `The transfer was not scheduled. ${isLimitRefusal(e) ? scheduleLimitText(undefined, p.currency) : (explain(e).message ?? '')}`,
      }),
    () => {
      // Given up (it may have been made): an empty form, not the details one more click would schedule
      // a second time.
      form.reset();
      form.clear();
    },
  );
  const accounts = names.state === 'ok' ? names.data.accounts.filter((a) => a.status === 'active') : [];
  const payees = names.state === 'ok' ? names.data.payees : [];
  const from = accounts.find((a) => a.id === form.values.fromAccountId) ?? accounts[0];
  const toPayee = form.values.payeeId !== 'new' && payees.length > 0;
  const payee = payees.find((p) => p.id === form.values.payeeId) ?? payees[0];
  const parsed = from ? parseAmount(form.values.amount, from.currency) : undefined;
  const runs = parseRunCount(form.values.count);
  // When the chosen day begins at the bank, in the customer's time (west of UTC: the evening before).
  const startsLocally = isDay(form.values.startDate)
    ? bankDayStartsLocally(form.values.startDate)
    : undefined;

  const submit = form.submit(
    () => ({
      toAccountNumber: toPayee ? undefined : accountNumberProblem(form.values.toAccountNumber),
      amount: parsed && !parsed.ok ? parsed.message : undefined,
      startDate: !/^\d{4}-\d{2}-\d{2}$/.test(form.values.startDate)
        ? 'Enter the date of the first transfer.'
        : form.values.startDate < earliestFirstDate()
          ? `Choose a date from ${day(earliestFirstDate())} on (the bank's tomorrow, UTC).`
          : form.values.startDate > lastFirstDate()
            ? 'Choose a date within a year from today.'
            : undefined,
      count: form.values.frequency !== 'once' && !runs.ok ? runs.message : undefined,
    }),
    async () => {
      // A one-off transfer has no count (its field is hidden, whatever was typed in it before).
      const once = form.values.frequency === 'once';
      if (!from || !parsed?.ok || (!once && !runs.ok)) return;
      const description = form.values.description.trim();
      const count = !once && runs.ok ? runs.count : undefined;
      const body: ScheduleBody = {
        fromAccountId: from.id,
        ...(toPayee && payee
          ? { payeeId: payee.id }
          : { toAccountNumber: normalizeAccountNumber(form.values.toAccountNumber) }),
        amount: parsed.minor,
        currency: from.currency,
        startDate: form.values.startDate,
        frequency: form.values.frequency as Schedule['frequency'],
        ...(description ? { description } : {}),
        ...(count === undefined ? {} : { count }),
      };
      // Success moves on to the schedule (the intent's onDone); a refusal is shown here. Next to its
      // field when that field is on screen; otherwise (the account number of a saved payee, gone or in
      // another currency) for the whole form, or nobody would see it.
      try {
        await held.submit(body);
      } catch (e) {
        // Above the daily limit: each run is one transfer, refused above the whole limit whatever day it
        // runs. Said with the limit (asked afresh), next to the amount.
        if (isLimitRefusal(e)) {
          const limits = await moneyApi(api)
            .limits()
            .catch(() => undefined);
          form.show({ fields: { amount: scheduleLimitText(limits, body.currency) }, message: undefined });
          return;
        }
        form.show(
          explain(e, [
            'amount',
            'description',
            'startDate',
            'count',
            ...(toPayee ? [] : ['toAccountNumber']),
          ]),
        );
      }
    },
  );

  // A schedule whose creation has no answer yet comes first: it is asked again, never made twice.
  if (held.unknown) {
    const p = held.unknown.payload;
    return (
      <Page narrow title="Schedule a transfer">
        <UnknownOutcome state={held} forgetLabel="Leave it and schedule another" then="f-fromAccountId">
          <p>
            {formatMoney(p.amount, p.currency)}, {FREQUENCY[p.frequency ?? 'monthly'].toLowerCase()}, first on{' '}
            {bankDay(p.startDate)}.
          </p>
        </UnknownOutcome>
      </Page>
    );
  }

  if (names.state !== 'ok' || !from) {
    return (
      <Page narrow title="Schedule a transfer">
        <LoadState load={names} what="your accounts" />
        {names.state === 'ok' ? <p>You need an open account to send money from.</p> : null}
      </Page>
    );
  }
  return (
    <Page narrow title="Schedule a transfer">
      <form onSubmit={submit} noValidate>
        <div class="field">
          <label for="f-fromAccountId">From</label>
          <select
            id="f-fromAccountId"
            value={from.id}
            onChange={(e) => form.set('fromAccountId', e.currentTarget.value)}
          >
            {accounts.map((a) => (
              <option key={a.id} value={a.id}>
                {accountName(a)} {a.number} ({formatMoney(a.available, a.currency)})
              </option>
            ))}
          </select>
        </div>
        {payees.length > 0 ? (
          <div class="field">
            <label for="f-payeeId">To</label>
            <select
              id="f-payeeId"
              value={toPayee ? payee?.id : 'new'}
              onChange={(e) => form.set('payeeId', e.currentTarget.value)}
            >
              {payees.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name} ({lastDigits(p.accountNumber)})
                </option>
              ))}
              <option value="new">Another account number</option>
            </select>
          </div>
        ) : null}
        {toPayee ? null : (
          <Field
            label="To account number"
            hint="10 digits"
            inputMode="numeric"
            autocomplete="off"
            {...form.bind('toAccountNumber')}
          />
        )}
        <Field
          label={`Amount (${from.currency})`}
          inputMode="decimal"
          autocomplete="off"
          {...form.bind('amount')}
        />
        <Field label="Description (optional)" maxLength={140} {...form.bind('description')} />
        <div class="field">
          <label for="f-startDate">First transfer on (a UTC day)</label>
          <span class="hint" id="f-startDate-hint">
            The bank's days are UTC days, from its tomorrow on.
            {startsLocally ? ` The transfer is paid from ${startsLocally} your time.` : ''}
          </span>
          <input
            id="f-startDate"
            type="date"
            value={form.values.startDate}
            min={earliestFirstDate()}
            max={lastFirstDate()}
            aria-invalid={form.fields.startDate ? 'true' : undefined}
            aria-describedby={
              form.fields.startDate ? 'f-startDate-hint f-startDate-error' : 'f-startDate-hint'
            }
            onInput={(e) => form.set('startDate', e.currentTarget.value)}
          />
          {form.fields.startDate ? (
            <span class="field-error" id="f-startDate-error">
              {form.fields.startDate}
            </span>
          ) : null}
        </div>
        <fieldset>
          <legend>How often</legend>
          {(Object.keys(FREQUENCY) as Schedule['frequency'][]).map((f) => (
            <label class="choice" key={f}>
              <input
                type="radio"
                name="frequency"
                value={f}
                checked={form.values.frequency === f}
                onChange={() => form.set('frequency', f)}
              />
              {FREQUENCY[f]}
            </label>
          ))}
        </fieldset>
        {form.values.frequency !== 'once' ? (
          <Field
            label="Number of transfers (optional)"
            hint="Leave it empty to go on until you cancel."
            inputMode="numeric"
            {...form.bind('count')}
          />
        ) : null}
        <FormError {...form.error} />
        <div class="actions">
          <SubmitButton busy={form.busy} busyText="Scheduling…">
            Schedule transfer
          </SubmitButton>
          <Link to="/schedules">Cancel</Link>
        </div>
      </form>
    </Page>
  );
};

export const ScheduleDetail = ({ id }: { id: string }) => {
  const { api } = useApp();
  const load = useLoad(() => moneyApi(api).schedule(id), [id]);
  const [confirming, setConfirming] = useState(false);
  const [cancelled, setCancelled] = useState(false);
  // Once cancelled, the words that say so are focused when the schedule read again shows them.
  const focusOnceRead = useFocusOnceRead(load);
  const form = useForm({}, 'cancel-error');
  const cancel = form.submit(
    () => undefined,
    async () => {
      await moneyApi(api).cancelSchedule(id);
      setConfirming(false);
      setCancelled(true);
      focusOnceRead('schedule-done');
      load.reload();
    },
  );

  if (load.state !== 'ok') {
    return (
      <Page narrow title="Scheduled transfer">
        <LoadState load={load} what="the scheduled transfer" />
      </Page>
    );
  }
  const s = load.data;
  const runs = s.runs ?? [];
  const ended = endText(s, day);
  return (
    <Page narrow title={`${formatMoney(s.amount, s.currency)} to ${s.toAccountNumber}`}>
      {cancelled ? <Outcome id="schedule-done">Scheduled transfer cancelled.</Outcome> : null}
      <dl class="summary" data-testid="schedule">
        <dt>Status</dt>
        <dd data-testid="schedule-status">{STATUS[s.status]}</dd>
        {ended ? (
          <>
            <dt>How it ended</dt>
            <dd data-testid="schedule-end">{ended}</dd>
          </>
        ) : null}
        <dt>How often</dt>
        <dd>{FREQUENCY[s.frequency]}</dd>
        <dt>First on</dt>
        <dd>{bankDay(s.startDate)}</dd>
        {s.nextRunDate ? (
          <>
            <dt>Next on</dt>
            <dd>{bankDay(s.nextRunDate)}</dd>
          </>
        ) : null}
        {s.count ? (
          <>
            <dt>Transfers</dt>
            <dd data-testid="schedule-count">{countText({ ...s, count: s.count })}</dd>
          </>
        ) : null}
        {s.description ? (
          <>
            <dt>Description</dt>
            <dd>{s.description}</dd>
          </>
        ) : null}
      </dl>
      {s.openRun ? (
        <p class="notice" role="status" data-testid="schedule-open-run">
          {openRunText(day(s.openRun))}
        </p>
      ) : null}
      {s.status === 'active' ? (
        confirming ? (
          <div class="warning">
            <p id="cancel-q" tabIndex={-1}>
              Cancel this scheduled transfer? No more transfers will be made.
            </p>
            <FormError {...form.error} />
            <div class="actions">
              <SubmitButton
                type="button"
                class="danger"
                busy={form.busy}
                busyText="Cancelling…"
                onClick={cancel}
              >
                Yes, cancel it
              </SubmitButton>
              <button
                type="button"
                onClick={() => {
                  // The question goes, and "No, keep it" with it: focus back on the button that asked.
                  setConfirming(false);
                  requestAnimationFrame(() => document.getElementById('cancel-schedule')?.focus());
                }}
              >
                No, keep it
              </button>
            </div>
          </div>
        ) : (
          <div class="actions">
            <button
              type="button"
              id="cancel-schedule"
              onClick={() => {
                setConfirming(true);
                requestAnimationFrame(() => document.getElementById('cancel-q')?.focus());
              }}
            >
              Cancel scheduled transfer
            </button>
          </div>
        )
      ) : null}
      <section aria-labelledby="runs-title">
        <h2 id="runs-title">Runs</h2>
        <p>{BANK_DAYS}</p>
        {runs.length === 0 ? (
          <p>No transfers made yet.</p>
        ) : (
          <ol class="history">
            {runs.map((r) => (
              <li key={`${r.runDate}${r.at}`} data-outcome={r.outcome}>
                <span class="what">
                  {r.transactionId ? (
                    <Link to={`/transactions/${r.transactionId}`}>{day(r.runDate)}</Link>
                  ) : (
                    day(r.runDate)
                  )}
                </span>
                <span class="amount">{r.outcome === 'succeeded' ? 'Sent' : 'Failed'}</span>
                {r.outcome === 'failed' && r.errorCode ? (
                  <span class="meta">{runFailureText(r.errorCode)}</span>
                ) : null}
              </li>
            ))}
          </ol>
        )}
      </section>
      <div class="actions">
        <Link to="/schedules">All scheduled transfers</Link>
      </div>
    </Page>
  );
};
