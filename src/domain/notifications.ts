/**
 * Email notifications: which events a customer is emailed about, and the email itself (plain text and
 * HTML). Pure. Amounts are formatted in the account's currency; an account number appears only as its
 * last 4 digits; nothing the other party typed (a description, metadata) is put in an email from the
 * bank, so that no one can send phishing text through it.
 */
import type { BankEvent, EventType } from './events.ts';
import { type Currency, currencies } from './money.ts';

export interface EmailPreferences {
  /** A posted incoming transfer. */
  incoming: boolean;
  /** A posted withdrawal over the threshold. */
  withdrawals: boolean;
  /** A pending transfer whose hold expired. */
  holds: boolean;
}

export interface Email {
  subject: string;
  text: string;
  html: string;
}

/** `1234.5 USD` in minor units -> `$12.35`, in the currency's own number of decimals. */
export const formatAmount = (minor: number, currency: string): string => {
  const digits = currencies[currency as Currency]?.minorUnits ?? 2;
  return new Intl.NumberFormat('en-US', {
    style: 'currency',
    currency,
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format(minor / 10 ** digits);
};

/** Only the last 4 digits of an account number. */
export const maskAccount = (number: unknown): string =>
  `\u2022\u2022\u2022\u2022${String(number ?? '').slice(-4)}`;

const escapeHtml = (s: string): string =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );

/** An email of `lines` (paragraphs), plain text and HTML, signed by the bank. */
const SIGNATURE = 'Serverless Bank';
const TEXT_END = `\n\n${SIGNATURE}\n`;
const HTML_END = `<p>${SIGNATURE}</p></body></html>`;

export const buildEmail = (subject: string, lines: string[]): Email => ({
  subject,
  text: `${lines.join('\n\n')}${TEXT_END}`,
  html: `<!doctype html><html><body style="font-family:sans-serif">${lines
    .map((l) => `<p>${escapeHtml(l)}</p>`)
    .join('')}${HTML_END}`,
});

/**
 * `email` (as `buildEmail` made it) with how to reach the bank (the stage's `supportContact`) above its
 * signature: the emails that say "contact us" then say how. Empty `contact`: the email as it is.
 */
export const withContact = (email: Email, contact: string): Email => {
  if (contact === '') return email;
  if (!email.text.endsWith(TEXT_END) || !email.html.endsWith(HTML_END))
    throw new Error('withContact: not an email buildEmail made');
  const line = `Contact us: ${contact}`;
  return {
    subject: email.subject,
    text: `${email.text.slice(0, -TEXT_END.length)}\n\n${line}${TEXT_END}`,
    html: `${email.html.slice(0, -HTML_END.length)}<p>${escapeHtml(line)}</p>${HTML_END}`,
  };
};

/** Why a scheduled run failed, in plain words (error codes stay out of customers' mail). */
const runFailure = (code: string): string =>
  ({
    insufficient_funds: 'there was not enough money available in the account',
    daily_limit_exceeded: 'it would have gone over your daily limit',
    account_not_active: 'the account is frozen or closed',
    account_closed: 'the account it pays from is closed',
    recipient_closed: 'the account it pays is closed',
    recipient_frozen: 'the account it pays cannot receive payments at the moment',
    recipient_not_found: 'the account it pays no longer exists',
    currency_mismatch: 'the account it pays is in another currency',
    user_disabled: 'the bank has disabled your login',
  })[code] ?? 'the bank could not make the payment';

/**
 * What a failed run's owner can do about it: pay it themselves, or, when the bank disabled their login
 * (the run's `user_disabled`), which leaves them no way to pay, ask the bank. Until 2026-12-07 a
 * disabled customer was told at every run to pay it themselves (a notifications review found it).
 */
const advice = (d: Record<string, unknown>): { check: string; pay: string } =>
  d.errorCode === 'user_disabled'
    ? {
        check:
          'No scheduled transfer is made while your login is disabled: contact us to have it enabled again.',
        pay: 'Contact us to have your login enabled again.',
      }
    : {
        check: 'Check the account, then pay this one yourself if it is still due.',
        pay: 'Pay this one yourself if it is still due.',
      };

/**
 * A schedule's date as a failed run's email gives it: a UTC calendar day (runs are made just after
 * midnight UTC), and said to be one, so that a customer west of UTC does not read it as a day later.
 */
const utcDay = (date: unknown): string => `${String(date)} (UTC)`;

/**
 * What a failed run's notice says of its schedule, from what the run's item recorded of it: whether it
 * goes on (and when), ended (and why) or was cancelled. A run recorded before this was kept says none.
 */
const scheduleAfter = (d: Record<string, unknown>): string[] => {
  const { check, pay: payYourself } = advice(d);
  switch (d.scheduleStatus) {
    case 'active':
      // Runs missed while the bank could not make scheduled transfers are made together, oldest first:
      // the next one may already be due (a review found the notice naming a date already past).
      return typeof d.at === 'string' && String(d.nextRunDate) <= d.at.slice(0, 10)
        ? [
            `The schedule goes on: its next transfer, due on ${utcDay(d.nextRunDate)}, was missed while we could not make scheduled transfers and is being made now. ${check}`,
          ]
        : [`The schedule goes on: its next transfer is due on ${utcDay(d.nextRunDate)}. ${check}`];
    case 'ended':
      return [
        d.endReason === 'source_closed'
          ? 'The account it pays from is closed, so the schedule has ended.'
          : d.endReason === 'recipient_closed'
            ? 'The account it pays is closed, so the schedule has ended: set up a new one if you have their new account details.'
            : `This was the schedule's last transfer, so it has ended. ${payYourself}`,
      ];
    case 'cancelled':
      return [`The schedule was cancelled, so no more transfers will be made. ${payYourself}`];
    default:
      return [check];
  }
};

/**
 * The event types `emailFor` may email about, whatever the preferences: the stream function sends the
 * notifier these alone (src/handlers/notify.ts). notifications.test.ts checks that every other type
 * gives no email with every preference on.
 */
export const emailedTypes: readonly EventType[] = [
  'transaction.posted',
  'transaction.expired',
  'transaction.unclaimed',
  'schedule.run_failed',
  'account.closed',
];

/**
 * Emails of money received a customer is sent in one UTC hour, at most (the notifier counts them:
 * src/store/email-marks.ts `takeReceived`). Anyone who knows an account number can pay it 0.01 as often
 * as their own limits allow, so without a cap one sender could flood a customer's mailbox (burying the
 * bank's alerts there) and hold every customer's emails up behind SES's sending rate. The last one says
 * so; the account's history, its events and webhooks show every payment.
 */
export const RECEIVED_EMAILS_PER_HOUR = 10;

/** An event of money received from another customer: the one email a stranger can cause (capped above). */
export const isMoneyReceived = (event: BankEvent): boolean =>
  event.type === 'transaction.posted' &&
  event.data.type === 'transfer' &&
  Boolean(event.data.toAccountId) &&
  !event.data.fromAccountId;

/**
 * The email an event gives its owner, or undefined. Closing an account, a failed scheduled run, a
 * reversal by the bank and money held as unclaimed funds are always told; the others follow the
 * preferences.
 */
export const emailFor = (
  event: BankEvent,
  prefs: EmailPreferences,
  opts: { withdrawalOver: number; lastReceivedThisHour?: boolean },
): Email | undefined => {
  const d = event.data;
  const amount = typeof d.amount === 'number' ? formatAmount(d.amount, String(d.currency)) : '';
  switch (event.type) {
    case 'transaction.posted':
      // Money the bank moved, not the customer (a transfer returned from a closed account, a staff
      // reversal): always told. Nothing the other side typed (the description) is in it.
      if (d.type === 'reversal' && d.toAccountId) {
        return buildEmail(`${amount} was returned to your account`, [
          `The bank reversed a transaction and returned ${amount} to your account ${maskAccount(d.toAccountNumber)}.`,
          'Your account\u2019s history shows which one.',
        ]);
      }
      if (d.type === 'reversal' && d.fromAccountId) {
        return buildEmail(`The bank reversed ${amount} from your account`, [
          `The bank reversed a transaction and took ${amount} back from your account ${maskAccount(d.fromAccountNumber)}.`,
          'Your account\u2019s history shows which one. If you do not recognise it, contact us.',
        ]);
      }
      if (isMoneyReceived(event) && prefs.incoming) {
        return buildEmail(`You received ${amount}`, [
          `You received ${amount} into your account ${maskAccount(d.toAccountNumber)}.`,
          ...(opts.lastReceivedThisHour
            ? [
                `This is the ${RECEIVED_EMAILS_PER_HOUR}th email this hour about money you received: we will not email you about more until the next hour. Your account\u2019s history shows every payment.`,
              ]
            : []),
        ]);
      }
      if (
        d.type === 'withdrawal' &&
        d.fromAccountId &&
        prefs.withdrawals &&
        typeof d.amount === 'number' &&
        d.amount > opts.withdrawalOver
      ) {
        return buildEmail(`Withdrawal of ${amount}`, [
          `${amount} was withdrawn from your account ${maskAccount(d.fromAccountNumber)}.`,
          'If this was not you, contact us at once.',
        ]);
      }
      return undefined;
    case 'transaction.expired':
      if (!prefs.holds) return undefined;
      return buildEmail(`Your pending transfer of ${amount} expired`, [
        `Your pending transfer of ${amount} from your account ${maskAccount(d.fromAccountNumber)} expired before it was posted. The amount is available again.`,
      ]);
    case 'transaction.unclaimed':
      // Always told: the customer's money is with the bank, and only they can ask for it. They may have
      // no open account left, so the email says how to get it back; then, how it was paid out.
      if (d.unclaimedPaidOutBy === 'cheque')
        return buildEmail(`We have sent you a cheque for ${amount}`, [
          `The ${amount} we were holding for you, from your transfer from your account ${maskAccount(d.fromAccountNumber)} that could not be paid in, has been sent to you by cheque.`,
        ]);
      if (d.unclaimedPaidOutBy === 'escheat')
        return buildEmail(`Your unclaimed ${amount} was handed to the state`, [
          `The ${amount} we were holding for you, from your transfer from your account ${maskAccount(d.fromAccountNumber)} that could not be paid in, was not claimed, and has been handed to the state as unclaimed property, as the law requires.`,
          'You can claim it from the state\u2019s unclaimed property office.',
        ]);
      return buildEmail(`Your transfer of ${amount} was returned, and we are holding it for you`, [
        `Your transfer of ${amount} from your account ${maskAccount(d.fromAccountNumber)} could not be paid in: the receiving account was closed before it arrived.`,
        `Your account ${maskAccount(d.fromAccountNumber)} is closed too, so we are holding the ${amount} for you. Contact us, and we will pay it into an account in your name.`,
      ]);
    case 'schedule.run_failed':
      // Always told: a payment the customer counted on did not go.
      return buildEmail(`Your scheduled transfer of ${amount} was not paid`, [
        `Your scheduled transfer of ${amount} from ${typeof d.fromAccountNumber === 'string' ? `your account ${maskAccount(d.fromAccountNumber)}` : 'your account'} due on ${utcDay(d.runDate)} was not paid: ${runFailure(String(d.errorCode))}.`,
        ...scheduleAfter(d),
      ]);
    case 'account.closed':
      return buildEmail(`Your account ${maskAccount(d.number)} is closed`, [
        `Your ${String(d.type ?? '')} account ${maskAccount(d.number)} (${String(d.currency ?? '')}) was closed.`,
      ]);
    default:
      return undefined;
  }
};
