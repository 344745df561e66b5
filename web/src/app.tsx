/**
 * The app shell: the router (History API; the server sends every path to index.html), the header,
 * focus after navigation, the session's end (back to login, keeping the path), and the idle timeout
 * with its warning a minute before.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { isAdminToken } from './admin/access.ts';
import { AdminLazy } from './admin/lazy.tsx';
import type { Api, Me } from './api.ts';
import { type Clock, systemClock } from './clock.ts';
import type { RuntimeConfig } from './config.ts';
import { dropSettledIntents } from './idempotency.ts';
import {
  createIdleTimer,
  formatCountdown,
  type IdleTimer,
  secondsLeft,
  startCountdown,
  warnBeforeFor,
} from './idle.ts';
import { lazyScreen } from './lazy.tsx';
import { forgetRecentTransfers } from './recent.ts';
import { isPublic, loginPath, match, navSection, type Screen, safeNext } from './routes.ts';
import { AccountDetail, CloseAccount, Dashboard, OpenAccount } from './screens/accounts.tsx';
import { Confirm, ForgotPassword, Login, Register, ResetPassword } from './screens/auth.tsx';
import { MoneyForm } from './screens/money.tsx';
import { Payees } from './screens/payees.tsx';
import { NewSchedule, ScheduleDetail, Schedules } from './screens/schedules.tsx';
import { TransactionDetail } from './screens/transactions.tsx';
import { Transfer } from './screens/transfer.tsx';
import { type EndReason, type Session, type SessionState, tokenClaims } from './session.ts';
import { type AppContext, Ctx, Link, type NavigateOptions, Page } from './ui.tsx';

// Heavy screens come as their own chunks, the first time they show (see lazy.tsx).
const Security = lazyScreen('Security', () => import('./screens/security.tsx').then((m) => m.Security));
const Settings = lazyScreen('Settings', () => import('./screens/settings.tsx').then((m) => m.Settings));
const Developers = lazyScreen('Developers', () =>
  import('./screens/developers.tsx').then((m) => m.Developers),
);
const WebhookDetail = lazyScreen('Webhook deliveries', () =>
  import('./screens/developers.tsx').then((m) => m.WebhookDetail),
);
const Activity = lazyScreen('Security activity', () =>
  import('./screens/activity.tsx').then((m) => m.Activity),
);
const BulkPayment = lazyScreen('Bulk payment', () => import('./screens/bulk.tsx').then((m) => m.BulkPayment));
const Statements = lazyScreen('Statements', () =>
  import('./screens/statements.tsx').then((m) => m.Statements),
);

const TITLES: Record<Screen['name'], string> = {
  login: 'Log in',
  register: 'Register',
  confirm: 'Confirm your email',
  forgot: 'Reset your password',
  reset: 'Choose a new password',
  security: 'Security',
  dashboard: 'Your accounts',
  open: 'Open an account',
  transfer: 'Transfer money',
  bulk: 'Bulk payment',
  account: 'Account',
  deposit: 'Deposit',
  withdraw: 'Withdraw',
  close: 'Close account',
  payees: 'Payees',
  transaction: 'Transaction',
  schedules: 'Scheduled transfers',
  newSchedule: 'Schedule a transfer',
  schedule: 'Scheduled transfer',
  statements: 'Statements',
  settings: 'Settings',
  developers: 'Developers',
  webhook: 'Webhook deliveries',
  activity: 'Security activity',
  admin: 'Back office',
  notFound: 'Page not found',
};

const here = () => location.pathname + location.search;

/** User input that counts as activity for the idle timeout. */
const ACTIVITY_EVENTS = ['pointerdown', 'keydown', 'wheel', 'touchstart'] as const;

export interface AppProps {
  api: Api;
  session: Session;
  config: RuntimeConfig;
  /** Subscribes to the session's changes; returns the unsubscribe. */
  onSession(listener: (s: SessionState) => void): () => void;
  clock?: Clock;
}

export const App = ({ api, session, config, onSession, clock = systemClock }: AppProps) => {
  const [path, setPath] = useState(here);
  const [flash, setFlash] = useState<string | undefined>();
  const [signedIn, setSignedIn] = useState(session.signedIn);
  const [endReason, setEndReason] = useState<EndReason | undefined>();
  const [me, setMe] = useState<Me | undefined>();
  /**
   * Which session this is, moved on at each start and end: the header's name is asked for per session,
   * and an answer to one that has ended (a logout, the idle timeout, then another customer's login on
   * this page) is never shown in the next.
   */
  const [generation, setGeneration] = useState(0);
  /** While the idle warning shows: when the session ends (clock time). */
  const [warning, setWarning] = useState<number | false>(false);
  const idle = useRef<IdleTimer | undefined>(undefined);
  const url = new URL(path, location.origin);
  const screen = match(url.pathname);

  const navigate = (to: string, o: NavigateOptions = {}) => {
    if (o.replace) history.replaceState(null, '', to);
    else history.pushState(null, '', to);
    setFlash(o.flash);
    if (!to.startsWith('/login')) setEndReason(undefined);
    setPath(here());
  };

  // Back and forward buttons.
  useEffect(() => {
    const onPop = () => {
      setFlash(undefined);
      setPath(here());
    };
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }, []);

  // The session ends (401 that could not be renewed, idle, logout): back to login, keeping the path.
  // Whatever the reason, nothing of this customer's that the next one could read stays in the tab (the
  // transfers sent lately, answers not shown yet, a webhook's secret among them); only intents whose
  // outcome is unknown stay, under this customer's name, to be asked again once they are back.
  useEffect(
    () =>
      onSession((s) => {
        setGeneration((g) => g + 1);
        setMe(undefined);
        setSignedIn(s.signedIn);
        if (s.signedIn) {
          // An answer that reached the tab after its own customer's session had ended is not this one's.
          const sub = tokenClaims(session.accessToken()).sub;
          if (typeof sub === 'string') dropSettledIntents(undefined, sub);
          return;
        }
        setWarning(false);
        setEndReason(s.reason);
        forgetRecentTransfers();
        dropSettledIntents();
        const ownDoing =
          s.reason === 'logged_out' ||
          s.reason === 'signed_out_everywhere' ||
          s.reason === 'password_changed';
        const current = here();
        const target = ownDoing ? '/login' : loginPath(current);
        history.replaceState(null, '', target);
        setFlash(undefined);
        setPath(here());
      }),
    [],
  );

  // Screens that need a session send a signed-out visitor to login; once signed in, login sends the
  // customer back where they were (`?next=`), or home.
  const redirect =
    !signedIn && !isPublic(screen)
      ? loginPath(path)
      : signedIn && isPublic(screen)
        ? safeNext(url.searchParams.get('next'))
        : null;
  // Only from the page it was worked out for: the header's links show as soon as login succeeds, so a
  // click can land between this render and its effect, and must not be undone by a redirect to home.
  useEffect(() => {
    if (redirect && here() === path) navigate(redirect, { replace: true });
  }, [redirect]);

  // Name the document after the new screen. After a navigation inside the app, focus goes back to
  // the top of the page (where a page load leaves it), to a hidden element that names the new screen:
  // a screen reader reads it, and the next Tab reaches the skip link first, as on any page. A fresh
  // page load moves no focus at all.
  const firstScreen = useRef(true);
  const [announce, setAnnounce] = useState('');
  useEffect(() => {
    if (redirect) return;
    const h1 = document.getElementById('page-title');
    const title = h1?.textContent || TITLES[screen.name];
    document.title = `${title} – Serverless Bank`;
    if (firstScreen.current) {
      firstScreen.current = false;
      return;
    }
    setAnnounce(title);
    document.getElementById('route-focus')?.focus();
  }, [path, redirect]);

  // Who is signed in, for the header: this session's answer only.
  useEffect(() => {
    if (!signedIn) return;
    let current = true;
    api.me().then(
      (m) => current && setMe(m),
      () => undefined,
    );
    return () => {
      current = false;
    };
  }, [signedIn, generation]);

  // The idle timeout, while signed in.
  useEffect(() => {
    if (!signedIn) return;
    const timeoutMs = config.idleTimeoutSeconds * 1000;
    const timer = createIdleTimer({
      timeoutMs,
      warnBeforeMs: warnBeforeFor(timeoutMs),
      clock,
      lastActivity: session.lastActivity() ?? clock.now(),
      onWarn: (remainingMs) => setWarning(clock.now() + remainingMs),
      onExpire: () => {
        setWarning(false);
        void session.end('idle');
      },
      persist: (t) => session.recordActivity(t),
    });
    idle.current = timer;
    const touch = () => timer.touch();
    // A tab shown again after sleeping or being frozen ends an overdue session at once, not at its
    // timer's late firing.
    const wake = () => timer.wake();
    for (const e of ACTIVITY_EVENTS) addEventListener(e, touch, { capture: true, passive: true });
    document.addEventListener('visibilitychange', wake);
    addEventListener('pageshow', wake);
    return () => {
      timer.stop();
      idle.current = undefined;
      for (const e of ACTIVITY_EVENTS) removeEventListener(e, touch, { capture: true });
      document.removeEventListener('visibilitychange', wake);
      removeEventListener('pageshow', wake);
    };
  }, [signedIn]);

  const ctx: AppContext = useMemo(
    () => ({ api, session, config, navigate, query: url.searchParams }),
    [path],
  );

  const logout = () => void session.end('logged_out');
  // The back office shows only to a token in the admin group; the server enforces it regardless.
  const admin = signedIn && isAdminToken(session.accessToken());

  return (
    <Ctx.Provider value={ctx}>
      <p id="route-focus" class="visually-hidden" tabIndex={-1} data-testid="route-focus">
        {announce}
      </p>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="site-header">
        <div class="bar">
          {signedIn ? (
            <Link to="/" class="brand">
              Serverless Bank
            </Link>
          ) : (
            <span class="brand">Serverless Bank</span>
          )}
          {signedIn ? (
            <nav aria-label="Main">
              <ul>
                <li>
                  <Link to="/" current={navSection(screen) === 'accounts'}>
                    Accounts
                  </Link>
                </li>
                <li>
                  <Link to="/transfer" current={navSection(screen) === 'transfer'}>
                    Transfer
                  </Link>
                </li>
                <li>
                  <Link to="/payees" current={navSection(screen) === 'payees'}>
                    Payees
                  </Link>
                </li>
                <li>
                  <Link to="/schedules" current={navSection(screen) === 'schedules'}>
                    Scheduled
                  </Link>
                </li>
                <li>
                  <Link to="/settings" current={navSection(screen) === 'settings'}>
                    Settings
                  </Link>
                </li>
                {admin ? (
                  <li>
                    <Link to="/admin" current={navSection(screen) === 'admin'}>
                      Back office
                    </Link>
                  </li>
                ) : null}
                {me ? (
                  <li class="who">
                    <span class="visually-hidden">Signed in as </span>
                    {me.name}
                  </li>
                ) : null}
                <li>
                  <button type="button" class="button on-dark" onClick={logout}>
                    Log out
                  </button>
                </li>
              </ul>
            </nav>
          ) : null}
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {flash ? (
          <p class="notice" role="status" data-testid="flash">
            {flash}
          </p>
        ) : null}
        {redirect ? null : (
          <ScreenView screen={screen} endReason={endReason} admin={admin} pathname={url.pathname} />
        )}
      </main>
      {config.supportContact ? (
        // Every screen that says "contact the bank" (a disabled login, money held for a closed
        // account), signed in or not, has the way to, as every email does.
        <footer class="site-footer" data-testid="support-contact">
          <p>Contact us: {config.supportContact}</p>
        </footer>
      ) : null}
      {warning !== false ? (
        <IdleWarning
          deadline={warning}
          clock={clock}
          onStay={() => {
            idle.current?.stayActive();
            setWarning(false);
          }}
          onLogout={logout}
        />
      ) : null}
    </Ctx.Provider>
  );
};

const ScreenView = ({
  screen,
  endReason,
  admin,
  pathname,
}: {
  screen: Screen;
  endReason: EndReason | undefined;
  admin: boolean;
  pathname: string;
}) => {
  if (screen.name === 'admin' && !admin)
    return (
      <ScreenView screen={{ name: 'notFound' }} endReason={endReason} admin={admin} pathname={pathname} />
    );
  switch (screen.name) {
    case 'login':
      return <Login reason={endReason} />;
    case 'register':
      return <Register />;
    case 'confirm':
      return <Confirm />;
    case 'forgot':
      return <ForgotPassword />;
    case 'reset':
      return <ResetPassword />;
    case 'security':
      return <Security />;
    case 'dashboard':
      return <Dashboard />;
    case 'open':
      return <OpenAccount />;
    case 'transfer':
      return <Transfer />;
    case 'bulk':
      return <BulkPayment />;
    case 'account':
      return <AccountDetail id={screen.id} key={screen.id} />;
    case 'deposit':
      return <MoneyForm id={screen.id} kind="deposit" key={`d${screen.id}`} />;
    case 'withdraw':
      return <MoneyForm id={screen.id} kind="withdraw" key={`w${screen.id}`} />;
    case 'close':
      return <CloseAccount id={screen.id} key={screen.id} />;
    case 'payees':
      return <Payees />;
    case 'transaction':
      return <TransactionDetail id={screen.id} key={screen.id} />;
    case 'schedules':
      return <Schedules />;
    case 'newSchedule':
      return <NewSchedule />;
    case 'schedule':
      return <ScheduleDetail id={screen.id} key={screen.id} />;
    case 'statements':
      return <Statements id={screen.id} key={screen.id} />;
    case 'settings':
      return <Settings />;
    case 'developers':
      return <Developers />;
    case 'webhook':
      return <WebhookDetail id={screen.id} key={screen.id} />;
    case 'activity':
      return <Activity />;
    case 'admin':
      return <AdminLazy pathname={pathname} />;
    case 'notFound':
      return (
        <Page title="Page not found">
          <p>
            There is nothing at this address. <Link to="/">Go to your accounts</Link>.
          </p>
        </Page>
      );
  }
};

/**
 * The warning before the idle logout: a modal dialog that takes focus and keeps it, with the time left
 * counting down each second (visually; a screen reader hears the time with the warning, then at 30
 * and at 10 seconds left, not every second).
 */
const IdleWarning = ({
  deadline,
  clock,
  onStay,
  onLogout,
}: {
  deadline: number;
  clock: Clock;
  onStay(): void;
  onLogout(): void;
}) => {
  const ref = useRef<HTMLDialogElement>(null);
  const stay = useRef<HTMLButtonElement>(null);
  const [left, setLeft] = useState(() => secondsLeft(deadline, clock.now()));
  const [spoken] = useState(left);
  useEffect(() => startCountdown(clock, deadline, setLeft), [deadline]);
  useEffect(() => {
    const d = ref.current;
    const before = document.activeElement as HTMLElement | null;
    if (d && !d.open) d.showModal();
    stay.current?.focus();
    return () => {
      if (d?.open) d.close();
      before?.focus?.();
    };
  }, []);
  return (
    <dialog
      ref={ref}
      role="alertdialog"
      aria-labelledby="idle-title"
      aria-describedby="idle-text"
      onCancel={(e) => {
        e.preventDefault();
        onStay();
      }}
    >
      <h2 id="idle-title">Are you still there?</h2>
      <p id="idle-text">
        For your security, you will be logged out in {spoken} seconds because there has been no activity.
      </p>
      <p>
        Time left:{' '}
        <span class="countdown" role="timer" aria-live="off" data-testid="idle-countdown">
          {formatCountdown(left)}
        </span>
      </p>
      <p class="visually-hidden" aria-live="assertive">
        {left <= 10 ? 'Less than 10 seconds left.' : left <= 30 ? 'Less than 30 seconds left.' : ''}
      </p>
      <div class="actions">
        <button type="button" class="primary" ref={stay} onClick={onStay}>
          Stay logged in
        </button>
        <button type="button" onClick={onLogout}>
          Log out now
        </button>
      </div>
    </dialog>
  );
};
