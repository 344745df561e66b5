/**
 * Log in (with the TOTP step when MFA is on), register (with live password feedback), confirm with
 * the emailed code, and reset a forgotten password.
 */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { ApiError, NetworkError } from '../errors.ts';
import { checkPassword } from '../password.ts';
import { type EndReason, forgetRegistration, registrationFor, rememberRegistration } from '../session.ts';
import { Field, FormError, type FormErrorProps, Link, Page, SubmitButton, useApp, useForm } from '../ui.tsx';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const emailProblem = (email: string) =>
  EMAIL.test(email.trim()) ? undefined : 'Enter your email address, like name@example.com.';

/**
 * Refusals that a password reset ends (the API clears every login lock when the password is reset,
 * and sets the password a confirmation left unset).
 */
const LOCKED = new Set(['login_locked', 'login_throttled', 'verification_locked', 'password_reset_required']);

/**
 * "Send a new code": asks the API for another emailed code for the address in the form. The answer
 * never says whether the address is registered, and neither does this.
 */
const ResendCode = ({
  email,
  send,
  label,
}: {
  email: string;
  send(email: string): Promise<unknown>;
  label: string;
}) => {
  const form = useForm({}, 'resend-error');
  const [sent, setSent] = useState<string | undefined>();
  const submit = form.submit(
    () => undefined,
    async () => {
      setSent(undefined);
      const to = email.trim();
      await send(to);
      setSent(`If ${to} is waiting for a code, we have sent a new one. It may take a minute to arrive.`);
    },
  );
  const resend = () =>
    emailProblem(email)
      ? form.show({ fields: {}, message: 'Enter your email address above first, then ask for a new code.' })
      : submit();
  return (
    <div class="resend">
      <p>
        No email?{' '}
        <SubmitButton type="button" class="link-button" busy={form.busy} busyText="Sending…" onClick={resend}>
          {label}
        </SubmitButton>
      </p>
      <FormError {...form.error} />
      <p role="status" data-testid="resend-status">
        {sent ?? ''}
      </p>
    </div>
  );
};

const NOTICES: Record<EndReason, string> = {
  logged_out: 'You have logged out.',
  signed_out_everywhere: 'You have signed out of every session, this one too.',
  password_changed:
    'Your password is changed and every session, this one too, is signed out. Log in with the new password.',
  expired: 'Your session has ended. Please log in again.',
  idle: 'You were logged out because there was no activity for a while. Please log in again.',
  left: 'You were logged out because the page was closed or left. Please log in again.',
  disabled: 'You were logged out because this login has been disabled. Please contact the bank.',
};

/** The frame every auth screen shares: title, form, action message and button. */
const AuthForm = (p: {
  title: string;
  intro?: ComponentChildren;
  form: { busy: boolean; error: FormErrorProps };
  onSubmit: (e: Event) => void;
  button: string;
  busyText: string;
  children: ComponentChildren;
  after?: ComponentChildren;
}) => (
  <Page narrow title={p.title}>
    {p.intro}
    <form onSubmit={p.onSubmit} noValidate>
      {p.children}
      <FormError {...p.form.error} />
      <div class="actions">
        <SubmitButton busy={p.form.busy} busyText={p.busyText}>
          {p.button}
        </SubmitButton>
      </div>
    </form>
    {p.after}
  </Page>
);

export const Login = ({ reason }: { reason: EndReason | undefined }) => {
  const { session, navigate, query } = useApp();
  const form = useForm({ email: query.get('email') ?? '', password: '' });
  const { email, password } = form.values;
  const [challenge, setChallenge] = useState<string | undefined>();
  const [locked, setLocked] = useState(false);

  const submit = form.submit(
    () => ({ email: emailProblem(email), password: password ? undefined : 'Enter your password.' }),
    async () => {
      try {
        const mfa = await session.login(email.trim(), password);
        form.set('password', '');
        if (mfa) setChallenge(mfa.session);
      } catch (err) {
        if (err instanceof ApiError && err.code === 'user_not_confirmed') {
          navigate(`/confirm?email=${encodeURIComponent(email.trim())}`, {
            flash: 'Please confirm your email address with the code we sent you, then log in.',
          });
          return;
        }
        form.set('password', '');
        if (err instanceof ApiError && LOCKED.has(err.code)) setLocked(true);
        throw err;
      }
      // Signed in: the app takes the customer on to `?next=` (see app.tsx).
    },
  );

  if (challenge)
    return (
      <MfaStep
        session={challenge}
        onRestart={(why) => {
          setChallenge(undefined);
          // Sent back by the bank (the sign-in took too long): said on the login form, which takes focus.
          if (why) form.fail(why);
        }}
      />
    );

  return (
    <AuthForm
      title="Log in"
      form={form}
      onSubmit={submit}
      button="Log in"
      busyText="Logging in…"
      intro={
        reason ? (
          <p class="notice" role="status">
            {NOTICES[reason]}
          </p>
        ) : null
      }
      after={
        <>
          {locked ? (
            <p class="warning" data-testid="locked-help">
              Locked out? Resetting your password unlocks your login straight away.{' '}
              <Link to={`/forgot${email.trim() ? `?email=${encodeURIComponent(email.trim())}` : ''}`}>
                Reset your password
              </Link>
            </p>
          ) : null}
          <p>
            <Link to={`/forgot${email.trim() ? `?email=${encodeURIComponent(email.trim())}` : ''}`}>
              Forgot your password?
            </Link>
          </p>
          <p>
            New here? <Link to="/register">Register</Link>
          </p>
        </>
      }
    >
      <Field label="Email" type="email" autocomplete="username" {...form.bind('email')} />
      <Field label="Password" type="password" autocomplete="current-password" {...form.bind('password')} />
    </AuthForm>
  );
};

export const Register = () => {
  const { api, navigate } = useApp();
  const form = useForm({ name: '', email: '', password: '' });
  const { name, email, password } = form.values;
  const policy = checkPassword(password);

  const submit = form.submit(
    () => ({
      name: name.trim() ? undefined : 'Enter your name.',
      email: emailProblem(email),
      password: policy.ok ? undefined : 'The password does not meet all the rules below yet.',
    }),
    async () => {
      const user = await api.register({ name: name.trim(), email: email.trim(), password });
      const to = encodeURIComponent(user.email);
      if (user.status === 'confirmed') {
        navigate(`/login?email=${to}`, { flash: 'You are registered. Log in to open your first account.' });
      } else {
        rememberRegistration({ email: user.email, name: name.trim(), password });
        navigate(`/confirm?email=${to}`, { flash: 'We sent a confirmation code to your email.' });
      }
    },
  );

  return (
    <AuthForm
      title="Register"
      form={form}
      onSubmit={submit}
      button="Register"
      busyText="Registering…"
      after={
        <p>
          Already registered? <Link to="/login">Log in</Link>
        </p>
      }
    >
      <Field label="Full name" autocomplete="name" {...form.bind('name')} />
      <Field label="Email" type="email" autocomplete="email" {...form.bind('email')} />
      <NewPassword {...form.bind('password')} />
    </AuthForm>
  );
};

/** A new password's field, with the live checklist of its rules under it. */
export const NewPassword = ({
  label = 'Password',
  ...bound
}: {
  label?: string;
  name: string;
  value: string;
  onValue: (v: string) => void;
  error?: string;
}) => (
  <>
    <Field
      label={label}
      type="password"
      autocomplete="new-password"
      describedBy="password-rules"
      {...bound}
    />
    <PasswordRules password={bound.value} />
  </>
);

/** The live checklist of the password rule (the API's own rules; it also refuses common passwords). */
export const PasswordRules = ({ password }: { password: string }) => {
  const policy = checkPassword(password);
  const met = policy.rules.filter((r) => r.met).length;
  return (
    <div id="password-rules">
      <p class="hint muted">Your password needs:</p>
      <ul class="rules" aria-label="Password rules">
        {policy.rules.map((r) => (
          <li key={r.id} class={r.met ? 'met' : 'unmet'} data-rule={r.id}>
            {r.label}
            <span class="visually-hidden">{r.met ? ' (done)' : ' (not yet)'}</span>
          </li>
        ))}
      </ul>
      <p class="hint muted">Common passwords and simple variants of them (like Password123!) are refused.</p>
      <p class="visually-hidden" aria-live="polite">
        {password ? `${met} of ${policy.rules.length} password rules met.` : ''}
      </p>
    </div>
  );
};

export const Confirm = () => {
  const { api, navigate, query } = useApp();
  const asked = query.get('email') ?? '';
  const mine = registrationFor(asked);
  const form = useForm({ email: asked, code: '', name: mine?.name ?? '', password: mine?.password ?? '' });
  const { email, code, name, password } = form.values;
  const policy = checkPassword(password);

  const submit = form.submit(
    () => ({
      email: emailProblem(email),
      code: /^\d{4,8}$/.test(code.trim()) ? undefined : 'Enter the code from the email: 4 to 8 digits.',
      name: name.trim() ? undefined : 'Enter your name.',
      password: policy.ok ? undefined : 'The password does not meet all the rules below yet.',
    }),
    async () => {
      await api.confirm({ email: email.trim(), code: code.trim(), name: name.trim(), password });
      forgetRegistration();
      navigate(`/login?email=${encodeURIComponent(email.trim())}`, {
        flash: 'Your email is confirmed. You can log in now.',
      });
    },
  );

  return (
    <AuthForm
      title="Confirm your email"
      intro={
        <p>
          Enter the code we emailed you, your name and your password to finish registering. The name and
          password given here are the ones your login keeps.
        </p>
      }
      form={form}
      onSubmit={submit}
      button="Confirm"
      busyText="Confirming…"
      after={<ResendCode email={email} send={api.resendConfirmation} label="Send a new code" />}
    >
      <Field label="Email" type="email" autocomplete="username" {...form.bind('email')} />
      <Field
        label="Confirmation code"
        inputMode="numeric"
        autocomplete="one-time-code"
        {...form.bind('code')}
      />
      <Field label="Full name" autocomplete="name" {...form.bind('name')} />
      <NewPassword {...form.bind('password')} />
    </AuthForm>
  );
};

const CODE6 = /^\d{6}$/;

/** The second step of a login with MFA on: the code from the authenticator app. */
const MfaStep = ({
  session: challenge,
  onRestart,
}: {
  session: string;
  /** Back to the login form; `why` is the refusal that sends the customer there, for it to show. */
  onRestart(why?: unknown): void;
}) => {
  const { session } = useApp();
  const form = useForm({ code: '' });
  const submit = form.submit(
    () => ({
      code: CODE6.test(form.values.code.trim()) ? undefined : 'Enter the 6-digit code from your app.',
    }),
    async () => {
      try {
        await session.completeMfa(challenge, form.values.code.trim());
      } catch (err) {
        form.set('code', '');
        // This step is gone once back at the login form: the form shows why, not this one.
        if (err instanceof ApiError && err.code === 'invalid_session') return onRestart(err);
        throw err;
      }
    },
  );
  return (
    <AuthForm
      title="Enter your code"
      intro={
        <p>
          Open your authenticator app and enter the 6-digit code it shows for Serverless Bank. Each code works
          once: if you have just used the one it shows, wait for the next.
        </p>
      }
      form={form}
      onSubmit={submit}
      button="Verify"
      busyText="Verifying…"
      after={
        <p>
          <button type="button" class="link" onClick={() => onRestart()}>
            Start again
          </button>
        </p>
      }
    >
      <Field label="Code" inputMode="numeric" autocomplete="one-time-code" {...form.bind('code')} />
    </AuthForm>
  );
};

export const ForgotPassword = () => {
  const { api, navigate, query } = useApp();
  const form = useForm({ email: query.get('email') ?? '' });
  const submit = form.submit(
    () => ({ email: emailProblem(form.values.email) }),
    async () => {
      const email = form.values.email.trim();
      await api.forgotPassword(email);
      navigate(`/reset?email=${encodeURIComponent(email)}`, {
        flash: 'If this email is registered, we have sent it a code to reset the password.',
      });
    },
  );
  return (
    <AuthForm
      title="Reset your password"
      intro={<p>Enter your email and we will send you a code to set a new password.</p>}
      form={form}
      onSubmit={submit}
      button="Send code"
      busyText="Sending…"
      after={
        <p>
          Remembered it? <Link to="/login">Log in</Link>
        </p>
      }
    >
      <Field label="Email" type="email" autocomplete="username" {...form.bind('email')} />
    </AuthForm>
  );
};

export const ResetPassword = () => {
  const { api, navigate, query } = useApp();
  const form = useForm({ email: query.get('email') ?? '', code: '', password: '' });
  const { email, code, password } = form.values;
  // A reset that got no clear answer (the bank's 503, or none at all) may have set the new password:
  // trying the same code again would then be refused as wrong, which is not the whole story.
  const [unsure, setUnsure] = useState(false);
  const submit = form.submit(
    () => ({
      email: emailProblem(email),
      code: /^\d{4,8}$/.test(code.trim()) ? undefined : 'Enter the code from the email: 4 to 8 digits.',
      password: checkPassword(password).ok
        ? undefined
        : 'The password does not meet all the rules below yet.',
    }),
    async () => {
      try {
        await api.resetPassword({ email: email.trim(), code: code.trim(), newPassword: password });
      } catch (e) {
        if (e instanceof NetworkError || (e instanceof ApiError && e.status >= 500)) setUnsure(true);
        throw e;
      }
      navigate(`/login?email=${encodeURIComponent(email.trim())}`, {
        flash: 'Your password is changed and every session is signed out. Log in with the new password.',
      });
    },
  );
  return (
    <AuthForm
      title="Choose a new password"
      intro={<p>Enter the code we emailed you and a new password.</p>}
      form={form}
      onSubmit={submit}
      button="Set new password"
      busyText="Saving…"
      after={
        <>
          {unsure && (
            <p data-testid="reset-unsure">
              We could not confirm the change, so your new password may be set already.{' '}
              <Link to={`/login?email=${encodeURIComponent(email.trim())}`}>Try logging in with it</Link>; if
              it does not work, set it here again, or send yourself a new code.
            </p>
          )}
          <ResendCode email={email} send={api.forgotPassword} label="Send a new code" />
        </>
      }
    >
      <Field label="Email" type="email" autocomplete="username" {...form.bind('email')} />
      <Field label="Code" inputMode="numeric" autocomplete="one-time-code" {...form.bind('code')} />
      <NewPassword label="New password" {...form.bind('password')} />
    </AuthForm>
  );
};
