/**
 * Payees: the people the customer pays, each checked against the account holder's name when saved
 * (confirmation of payee: exact, close, or no match), with a way to pay them and to delete them.
 */
import { useMemo, useState } from 'preact/hooks';
import { accountNumberProblem, normalizeAccountNumber } from '../account-number.ts';
import { outcomeUnknown } from '../api.ts';
import { moneyApi, type Payee, type PayeeBody } from '../api-money.ts';
import { explain, numberRefusal } from '../errors.ts';
import { createIntent } from '../idempotency.ts';
import {
  Empty,
  Field,
  FormError,
  Link,
  LoadState,
  Outcome,
  Page,
  SubmitButton,
  useApp,
  useFocusOnceRead,
  useForm,
  useLoad,
} from '../ui.tsx';

const MATCH_BADGE: Record<Payee['match'], string> = {
  exact: 'Name checked',
  close: 'Name close',
  none: 'Name does not match',
};

export const Payees = () => {
  const { api } = useApp();
  const m = moneyApi(api);
  const load = useLoad(() => m.payees(), []);
  const form = useForm({ name: '', accountNumber: '' }, 'payee-error');
  // One Idempotency-Key per payee saved: kept while its saving's outcome is unknown (no answer, a
  // 5xx), so saving the same payee again is answered the one saved, never a second.
  const saving = useMemo(() => createIntent<PayeeBody, Payee>({ isRetryable: outcomeUnknown }), []);
  const [added, setAdded] = useState<Payee | undefined>();
  const [removing, setRemoving] = useState<string | undefined>();
  const [removeError, setRemoveError] = useState<string | undefined>();
  /** The payee just deleted, said above the list as read again, and focused: its row took the focused button. */
  const [deleted, setDeleted] = useState<string | undefined>();
  const focusOnceRead = useFocusOnceRead(load);

  const add = form.submit(
    () => ({
      name: form.values.name.trim() ? undefined : 'Enter the name on the account.',
      accountNumber: accountNumberProblem(form.values.accountNumber),
    }),
    async () => {
      let p: Payee;
      try {
        const body = {
          name: form.values.name.trim(),
          accountNumber: normalizeAccountNumber(form.values.accountNumber),
        };
        p = await saving.submit(body, (key) => m.createPayee(body, key));
      } catch (e) {
        // No account has the number, or its account is closed: said on the number (a closed account is
        // the one to be paid, not the customer's own), as the transfer form's check says it.
        const refusal = numberRefusal(e);
        if (refusal === undefined) throw e;
        form.show({ fields: { accountNumber: refusal }, message: undefined });
        return;
      }
      setAdded(p);
      setDeleted(undefined);
      form.reset();
      load.reload();
    },
  );

  const remove = async (p: Payee) => {
    if (removing) return;
    setRemoving(p.id);
    setRemoveError(undefined);
    try {
      await m.deletePayee(p.id);
      if (added?.id === p.id) setAdded(undefined);
      setDeleted(p.name);
      focusOnceRead('payee-deleted');
      load.reload();
    } catch (e) {
      setRemoveError(explain(e).message);
    } finally {
      setRemoving(undefined);
    }
  };

  const payees = load.state === 'ok' ? load.data.items : [];
  return (
    <Page title="Payees">
      <LoadState load={load} what="your payees" />
      {deleted && load.state === 'ok' ? <Outcome id="payee-deleted">{deleted} is deleted.</Outcome> : null}
      {load.state === 'ok' && payees.length === 0 ? (
        <Empty>
          <p>You have no saved payees yet.</p>
        </Empty>
      ) : null}
      {payees.length > 0 ? (
        <ul class="payee-list" aria-label="Saved payees">
          {payees.map((p) => (
            <li key={p.id} data-payee={p.accountNumber}>
              <span class="payee-name">{p.name}</span>
              <span class="account-meta">
                Account <span class="account-number">{p.accountNumber}</span>{' '}
                <span class={`badge match-${p.match}`}>{MATCH_BADGE[p.match]}</span>
              </span>
              <span class="actions">
                <Link to={`/transfer?payee=${p.id}`} class="button primary">
                  Pay <span class="visually-hidden">{p.name}</span>
                </Link>
                <button
                  type="button"
                  class="danger"
                  aria-disabled={removing ? 'true' : undefined}
                  onClick={() => void remove(p)}
                >
                  {removing === p.id ? 'Deleting…' : 'Delete'} <span class="visually-hidden">{p.name}</span>
                </button>
              </span>
            </li>
          ))}
        </ul>
      ) : null}
      <FormError message={removeError} />
      <section aria-labelledby="add-payee-title" class="narrow">
        <h2 id="add-payee-title">Add a payee</h2>
        {added ? (
          <div
            class={added.match === 'exact' ? 'notice' : 'warning'}
            role="status"
            data-testid="payee-added"
            data-match={added.match}
          >
            {added.match === 'exact'
              ? `${added.name} is saved. The name matches the account holder\u2019s name.`
              : added.match === 'close' && added.holderName
                ? `${added.name} is saved. Did you mean ${added.holderName}? The name is close to the account holder\u2019s name, but not the same.`
                : added.match === 'close'
                  ? `${added.name} is saved. The name is close to the account holder\u2019s name, but not the same. Check the full name with them before you pay.`
                  : `${added.name} is saved, but the name does not match the account holder\u2019s name. Check the details with them before you pay.`}
          </div>
        ) : null}
        <form onSubmit={add} noValidate>
          <Field label="Name on the account" maxLength={100} autocomplete="off" {...form.bind('name')} />
          <Field
            label="Account number"
            hint="10 digits"
            inputMode="numeric"
            autocomplete="off"
            {...form.bind('accountNumber')}
          />
          <FormError {...form.error} />
          <div class="actions">
            <SubmitButton busy={form.busy} busyText="Checking…">
              Save payee
            </SubmitButton>
          </div>
        </form>
      </section>
    </Page>
  );
};
