/** Log in, register (with live password feedback) and confirm with the emailed code. */
import type { ComponentChildren } from 'preact';
import { ApiError } from '../errors.ts';
import { checkPassword } from '../password.ts';
import type { EndReason } from '../session.ts';
import { Field, FormError, Link, Page, SubmitButton, useApp, useForm } from '../ui.tsx';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const emailProblem = (email: string) =>
  EMAIL.test(email.trim()) ? undefined : 'Enter your email address, like name@example.com.';

const NOTICES: Record<EndReason, string> = {
  logged_out: 'You have logged out.',
  expired: 'Your session has ended. Please log in again.',
  idle: 'You were logged out because there was no activity for a while. Please log in again.',
};

/** The frame every auth screen shares: title, form, action message and button. */
const AuthForm = (p: {
  title: string;
  intro?: ComponentChildren;
  form: { busy: boolean; message: string | undefined; formErrorId: string };
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
      <FormError message={p.form.message} id={p.form.formErrorId} />
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

  const submit = form.submit(
    () => ({ email: emailProblem(email), password: password ? undefined : 'Enter your password.' }),
    async () => {
      try {
        await session.login(email.trim(), password);
      } catch (err) {
        if (err instanceof ApiError && err.code === 'user_not_confirmed') {
          navigate(`/confirm?email=${encodeURIComponent(email.trim())}`, {
            flash: 'Please confirm your email address with the code we sent you, then log in.',
          });
          return;
        }
        form.set('password', '');
        throw err;
      }
      // Signed in: the app takes the customer on to `?next=` (see app.tsx).
    },
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
        <p>
          New here? <Link to="/register">Register</Link>
        </p>
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
  const met = policy.rules.filter((r) => r.met).length;

  const submit = form.submit(
    () => ({
      name: name.trim() ? undefined : 'Enter your name.',
      email: emailProblem(email),
      password: policy.ok ? undefined : 'The password does not meet all the rules below yet.',
    }),
    async () => {
      const user = await api.register({ name: name.trim(), email: email.trim(), password });
      const to = encodeURIComponent(user.email);
      if (user.confirmed) {
        navigate(`/login?email=${to}`, { flash: 'You are registered. Log in to open your first account.' });
      } else {
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
      <Field
        label="Password"
        type="password"
        autocomplete="new-password"
        describedBy="password-rules"
        {...form.bind('password')}
      />
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
        <p class="visually-hidden" aria-live="polite">
          {password ? `${met} of ${policy.rules.length} password rules met.` : ''}
        </p>
      </div>
    </AuthForm>
  );
};

export const Confirm = () => {
  const { api, navigate, query } = useApp();
  const form = useForm({ email: query.get('email') ?? '', code: '' });
  const { email, code } = form.values;

  const submit = form.submit(
    () => ({
      email: emailProblem(email),
      code: /^\d{4,8}$/.test(code.trim()) ? undefined : 'Enter the code from the email: 4 to 8 digits.',
    }),
    async () => {
      await api.confirm({ email: email.trim(), code: code.trim() });
      navigate(`/login?email=${encodeURIComponent(email.trim())}`, {
        flash: 'Your email is confirmed. You can log in now.',
      });
    },
  );

  return (
    <AuthForm
      title="Confirm your email"
      intro={<p>Enter the code we emailed you to finish registering.</p>}
      form={form}
      onSubmit={submit}
      button="Confirm"
      busyText="Confirming…"
    >
      <Field label="Email" type="email" autocomplete="username" {...form.bind('email')} />
      <Field
        label="Confirmation code"
        inputMode="numeric"
        autocomplete="one-time-code"
        {...form.bind('code')}
      />
    </AuthForm>
  );
};
