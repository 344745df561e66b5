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
import { createIdleTimer, type IdleTimer, warnBeforeFor } from './idle.ts';
import { isPublic, loginPath, match, type Screen, safeNext } from './routes.ts';
import { AccountDetail, CloseAccount, Dashboard, OpenAccount } from './screens/accounts.tsx';
import { Confirm, ForgotPassword, Login, Register, ResetPassword } from './screens/auth.tsx';
import { MoneyForm, Transfer } from './screens/money.tsx';
import { Security } from './screens/security.tsx';
import type { EndReason, Session, SessionState } from './session.ts';
import { type AppContext, Ctx, Link, type NavigateOptions, Page } from './ui.tsx';

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
  account: 'Account',
  deposit: 'Deposit',
  withdraw: 'Withdraw',
  close: 'Close account',
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
  const [warning, setWarning] = useState(false);
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
  useEffect(
    () =>
      onSession((s) => {
        setSignedIn(s.signedIn);
        if (s.signedIn) return;
        setMe(undefined);
        setWarning(false);
        setEndReason(s.reason);
        const current = here();
        const target = s.reason === 'logged_out' ? '/login' : loginPath(current);
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
  useEffect(() => {
    if (redirect) navigate(redirect, { replace: true });
  }, [redirect]);

  // Focus the new screen's heading and name the document after it.
  useEffect(() => {
    if (redirect) return;
    const h1 = document.getElementById('page-title');
    document.title = `${h1?.textContent || TITLES[screen.name]} – Serverless Bank`;
    h1?.focus();
  }, [path, redirect]);

  // Who is signed in, for the header.
  useEffect(() => {
    if (signedIn) api.me().then(setMe, () => undefined);
  }, [signedIn]);

  // The idle timeout, while signed in.
  useEffect(() => {
    if (!signedIn) return;
    const timeoutMs = config.idleTimeoutSeconds * 1000;
    const timer = createIdleTimer({
      timeoutMs,
      warnBeforeMs: warnBeforeFor(timeoutMs),
      clock,
      lastActivity: session.lastActivity() ?? clock.now(),
      onWarn: () => setWarning(true),
      onExpire: () => {
        setWarning(false);
        void session.end('idle');
      },
      persist: (t) => session.recordActivity(t),
    });
    idle.current = timer;
    const touch = () => timer.touch();
    for (const e of ACTIVITY_EVENTS) addEventListener(e, touch, { capture: true, passive: true });
    return () => {
      timer.stop();
      idle.current = undefined;
      for (const e of ACTIVITY_EVENTS) removeEventListener(e, touch, { capture: true });
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
                  <Link to="/">Accounts</Link>
                </li>
                <li>
                  <Link to="/transfer">Transfer</Link>
                </li>
                <li>
                  <Link to="/security">Security</Link>
                </li>
                {admin ? (
                  <li>
                    <Link to="/admin">Back office</Link>
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
      {warning ? (
        <IdleWarning
          seconds={Math.round(warnBeforeFor(config.idleTimeoutSeconds * 1000) / 1000)}
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
    case 'account':
      return <AccountDetail id={screen.id} key={screen.id} />;
    case 'deposit':
      return <MoneyForm id={screen.id} kind="deposit" key={`d${screen.id}`} />;
    case 'withdraw':
      return <MoneyForm id={screen.id} kind="withdraw" key={`w${screen.id}`} />;
    case 'close':
      return <CloseAccount id={screen.id} key={screen.id} />;
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

/** The warning before the idle logout: a modal dialog that takes focus and keeps it. */
const IdleWarning = ({
  seconds,
  onStay,
  onLogout,
}: {
  seconds: number;
  onStay(): void;
  onLogout(): void;
}) => {
  const ref = useRef<HTMLDialogElement>(null);
  const stay = useRef<HTMLButtonElement>(null);
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
        For your security, you will be logged out in {seconds} seconds because there has been no activity.
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
