/**
 * Settings: which emails the bank sends (GET/PUT /v1/me/notifications), with links to the other
 * settings pages (security, security activity, developers). Loaded lazily.
 */
import { useState } from 'preact/hooks';
import { type NotificationPreferences, settingsApi } from '../api.ts';
import { FormError, LoadState, Page, SubmitButton, useApp, useForm, useLoad } from '../ui.tsx';
import { SettingsNav } from './settings-nav.tsx';

type EmailKind = keyof NotificationPreferences['email'];

const EMAILS: { key: EmailKind; label: string; hint: string }[] = [
  { key: 'incoming', label: 'Money received', hint: 'When a transfer into one of your accounts completes.' },
  {
    key: 'withdrawals',
    label: 'Large withdrawals',
    hint: 'When a large amount is withdrawn from one of your accounts.',
  },
  {
    key: 'holds',
    label: 'Expired pending transfers',
    hint: 'When a pending transfer expires before it completes.',
  },
];

export const Settings = () => {
  const { api } = useApp();
  const load = useLoad(() => settingsApi(api).notifications(), []);
  return (
    <Page title="Settings">
      <SettingsNav current="/settings" />
      <section aria-labelledby="notifications-title">
        <h2 id="notifications-title">Email notifications</h2>
        {load.state === 'ok' ? (
          <NotificationsForm initial={load.data} />
        ) : (
          <LoadState load={load} what="your notification settings" />
        )}
      </section>
    </Page>
  );
};

const NotificationsForm = ({ initial }: { initial: NotificationPreferences }) => {
  const { api } = useApp();
  const [email, setEmail] = useState(initial.email);
  const [saved, setSaved] = useState(false);
  const form = useForm({}, 'notifications-error');
  const submit = form.submit(
    () => undefined,
    async () => {
      setSaved(false);
      const next = await settingsApi(api).setNotifications({ email });
      setEmail(next.email);
      setSaved(true);
    },
  );
  return (
    <form onSubmit={submit} noValidate>
      <fieldset>
        <legend>Email me about</legend>
        {EMAILS.map((e) => (
          <div key={e.key}>
            <label class="choice">
              <input
                type="checkbox"
                name={e.key}
                checked={email[e.key]}
                aria-describedby={`n-${e.key}-hint`}
                onChange={(ev) => {
                  setSaved(false);
                  setEmail({ ...email, [e.key]: ev.currentTarget.checked });
                }}
              />
              {e.label}
            </label>
            <span class="hint muted" id={`n-${e.key}-hint`}>
              {e.hint}
            </span>
          </div>
        ))}
      </fieldset>
      <p class="hint muted">
        Whatever you choose here, we always email you when one of your accounts is closed, a scheduled
        transfer fails, the bank reverses a payment (returns money to your account or takes it back), or the
        bank holds a transfer for you as unclaimed funds (and when it pays them out); and about your sign-in:
        your password changed or reset, two-step sign-in turned on or off, or someone trying to register with
        your email address.
      </p>
      <FormError {...form.error} />
      {saved ? (
        <p class="notice" role="status" data-testid="notifications-saved">
          Your email settings are saved.
        </p>
      ) : null}
      <div class="actions">
        <SubmitButton busy={form.busy} busyText="Saving…">
          Save email settings
        </SubmitButton>
      </div>
    </form>
  );
};
