/**
 * Security settings: change the password, turn two-step verification (TOTP) on with the password and
 * a QR code for the authenticator app, or off with a code and the password, and sign out everywhere.
 */

import { useEffect, useState } from 'preact/hooks';
import { toDataURL } from 'qrcode';
import type { TotpEnrolment } from '../api.ts';
import { checkPassword } from '../password.ts';
import {
  Field,
  type FieldProps,
  FormError,
  LoadState,
  Outcome,
  Page,
  SubmitButton,
  useApp,
  useFocusOnceRead,
  useForm,
  useLoad,
} from '../ui.tsx';
import { NewPassword } from './auth.tsx';
import { SettingsNav } from './settings-nav.tsx';

const CODE6 = /^\d{6}$/;
const codeProblem = (code: string) =>
  CODE6.test(code.trim()) ? undefined : 'Enter the 6-digit code from your authenticator app.';
const passwordProblem = (password: string) => (password ? undefined : 'Enter your password.');

/**
 * The password that turning two-step verification on or off asks for again (a session alone, a stolen
 * one say, must not change the second factor). Bound to the form's `currentPassword`, the field a
 * wrong_password refusal is shown on.
 */
const PasswordAgain = (props: Omit<FieldProps, 'label' | 'type' | 'autocomplete'>) => (
  <Field label="Password" type="password" autocomplete="current-password" {...props} />
);

export const Security = () => {
  const { api } = useApp();
  const mfa = useLoad(() => api.mfaStatus(), []);
  // Turned on or off: the form it was done from is gone once the setting is read again, the focused
  // button with it, so focus goes to the line that says what the setting is now (#mfa-state).
  const focusOnceRead = useFocusOnceRead(mfa);
  const done = () => {
    focusOnceRead('mfa-state');
    mfa.reload();
  };
  return (
    <Page title="Security">
      <SettingsNav current="/security" />
      <ChangePassword />
      <section aria-labelledby="mfa-title">
        <h2 id="mfa-title">Two-step verification</h2>
        {mfa.state === 'ok' ? (
          mfa.data.totp ? (
            <TurnOff onDone={done} />
          ) : (
            <TurnOn onDone={done} />
          )
        ) : (
          <LoadState load={mfa} what="your two-step verification settings" />
        )}
      </section>
      <SignOutEverywhere />
    </Page>
  );
};

/** A changed password signs every session out, this one too (the API revokes them): back to login. */
const ChangePassword = () => {
  const { api, session } = useApp();
  const form = useForm({ currentPassword: '', password: '' }, 'password-form-error');
  const { currentPassword, password } = form.values;
  const submit = form.submit(
    () => ({
      currentPassword: currentPassword ? undefined : 'Enter your current password.',
      password: checkPassword(password).ok
        ? undefined
        : 'The password does not meet all the rules below yet.',
    }),
    async () => {
      await api.changePassword({ currentPassword, newPassword: password });
      form.reset();
      await session.end('password_changed');
    },
  );
  return (
    <section aria-labelledby="password-title">
      <h2 id="password-title">Password</h2>
      <form onSubmit={submit} noValidate>
        <Field
          label="Current password"
          type="password"
          autocomplete="current-password"
          {...form.bind('currentPassword')}
        />
        <NewPassword label="New password" {...form.bind('password')} />
        <FormError {...form.error} />
        <p>Changing it signs you out of every session, this one too.</p>
        <div class="actions">
          <SubmitButton busy={form.busy} busyText="Changing…">
            Change password
          </SubmitButton>
        </div>
      </form>
    </section>
  );
};

/** Enrolment: the secret as a QR code (and as text), then a first code from the app turns it on. */
const TurnOn = ({ onDone }: { onDone(): void }) => {
  const { api } = useApp();
  const [enrolment, setEnrolment] = useState<TotpEnrolment | undefined>();
  const [qr, setQr] = useState<string | undefined>();
  // Its own ids (f-mfa-on-…), as the turning-off form's: the change-password form has a currentPassword too.
  const start = useForm({ currentPassword: '' }, 'mfa-start-error', 'mfa-on-');
  const verify = useForm({ code: '' }, 'mfa-verify-error');

  useEffect(() => {
    if (enrolment) void toDataURL(enrolment.otpauthUri, { margin: 1, width: 220 }).then(setQr);
  }, [enrolment]);

  const begin = start.submit(
    () => ({ currentPassword: passwordProblem(start.values.currentPassword) }),
    async () => {
      setEnrolment(await api.enrolTotp({ password: start.values.currentPassword }));
      start.reset();
      // The steps take the place of the button that was pressed: focus goes to them.
      requestAnimationFrame(() => document.getElementById('mfa-steps')?.focus());
    },
  );
  const finish = verify.submit(
    () => ({ code: codeProblem(verify.values.code) }),
    async () => {
      await api.verifyTotp(verify.values.code.trim());
      onDone();
    },
  );

  if (!enrolment)
    return (
      <form onSubmit={begin} noValidate>
        <p id="mfa-state">
          Two-step verification is off. Turn it on to ask for a code from an authenticator app at every login.
        </p>
        <p>To set it up, enter your password.</p>
        <PasswordAgain {...start.bind('currentPassword')} />
        <FormError {...start.error} />
        <div class="actions">
          <SubmitButton busy={start.busy} busyText="Starting…">
            Set up two-step verification
          </SubmitButton>
        </div>
      </form>
    );
  return (
    <form onSubmit={finish} noValidate>
      <ol id="mfa-steps" tabIndex={-1}>
        <li>Scan this QR code with an authenticator app (such as Google Authenticator or 1Password).</li>
        <li>Enter the 6-digit code the app shows.</li>
      </ol>
      {qr ? (
        <img
          src={qr}
          alt="QR code for your authenticator app"
          width={220}
          height={220}
          data-testid="totp-qr"
        />
      ) : null}
      <p>
        Cannot scan it? Enter this key in the app:{' '}
        <code data-testid="totp-secret" class="secret">
          {enrolment.secret}
        </code>
      </p>
      <Field
        label="Code from the app"
        inputMode="numeric"
        autocomplete="one-time-code"
        {...verify.bind('code')}
      />
      <FormError {...verify.error} />
      <div class="actions">
        <SubmitButton busy={verify.busy} busyText="Turning on…">
          Turn on
        </SubmitButton>
      </div>
    </form>
  );
};

const TurnOff = ({ onDone }: { onDone(): void }) => {
  const { api } = useApp();
  // Its own ids (f-mfa-off-…): the change-password form on this screen has a currentPassword field too.
  const form = useForm({ code: '', currentPassword: '' }, 'mfa-off-error', 'mfa-off-');
  const submit = form.submit(
    () => ({
      code: codeProblem(form.values.code),
      currentPassword: passwordProblem(form.values.currentPassword),
    }),
    async () => {
      await api.disableTotp({ code: form.values.code.trim(), password: form.values.currentPassword });
      onDone();
    },
  );
  return (
    <form onSubmit={submit} noValidate>
      <Outcome id="mfa-state" testId="mfa-on">
        Two-step verification is on: every login asks for a code from your app.
      </Outcome>
      <p>To turn it off, enter a code from the app and your password.</p>
      <Field
        label="Code from the app"
        inputMode="numeric"
        autocomplete="one-time-code"
        {...form.bind('code')}
      />
      <PasswordAgain {...form.bind('currentPassword')} />
      <FormError {...form.error} />
      <div class="actions">
        <SubmitButton busy={form.busy} busyText="Turning off…">
          Turn off
        </SubmitButton>
      </div>
    </form>
  );
};

/**
 * Done, the session ends and the login screen says so (focus goes to its top, as after any move
 * between screens); refused, focus goes to the words that say why (useForm), the button stays.
 */
const SignOutEverywhere = () => {
  const { api, session } = useApp();
  const form = useForm({}, 'sessions-error');
  const submit = form.submit(
    () => undefined,
    async () => {
      await api.revokeAllSessions();
      await session.end('signed_out_everywhere');
    },
  );
  return (
    <section aria-labelledby="sessions-title">
      <h2 id="sessions-title">Sessions</h2>
      <form onSubmit={submit} noValidate>
        <p>
          Lost a device, or logged in somewhere you should not have? Sign out of every session, this one too.
        </p>
        <FormError {...form.error} />
        <div class="actions">
          <SubmitButton busy={form.busy} busyText="Signing out…">
            Sign out of every session
          </SubmitButton>
        </div>
      </form>
    </section>
  );
};
