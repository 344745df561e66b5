/** Start-up: read /config.json, renew the session if this tab has one, then render. */
import { render } from 'preact';
import { Api } from './api.ts';
import { App } from './app.tsx';
import { systemClock } from './clock.ts';
import { loadConfig } from './config.ts';
import { recordLeaving, Session, type SessionState } from './session.ts';

const root = document.getElementById('app') as HTMLElement;

// Only a page loaded just after this one is left renews its session (Session.restore): from the first
// moment, so that a page that could not start (config.json unreachable) counts as left too.
addEventListener('pagehide', () => recordLeaving(sessionStorage, systemClock.now()));

const start = async () => {
  const config = await loadConfig();
  const listeners = new Set<(s: SessionState) => void>();
  // How a session ended while being restored at start-up (say, idle): told to the app once it renders.
  let atStartup: SessionState | undefined;
  let started = false;
  const session = new Session({
    baseUrl: config.apiBaseUrl,
    storage: sessionStorage,
    clock: systemClock,
    idleTimeoutMs: config.idleTimeoutSeconds * 1000,
    onChange: (s) => {
      if (!started) atStartup = s;
      for (const l of listeners) l(s);
    },
  });
  const api = new Api({ baseUrl: config.apiBaseUrl, tokens: session });
  // A page the browser discarded to save memory (Chrome) was never left: only the idle rule applies.
  const discarded = (document as { wasDiscarded?: boolean }).wasDiscarded === true;
  await session.restore({ discarded }).catch(() => false);
  started = true;
  root.textContent = '';
  render(
    <App
      api={api}
      session={session}
      config={config}
      onSession={(l) => {
        if (atStartup && !atStartup.signedIn) l(atStartup);
        atStartup = undefined;
        listeners.add(l);
        return () => listeners.delete(l);
      }}
    />,
    root,
  );
};

/** The page when the app cannot start: still a page, with its main landmark and its heading. */
const showCouldNotStart = (into: HTMLElement): void => {
  into.textContent = '';
  const main = document.createElement('main');
  main.id = 'main';
  main.className = 'boot';
  const h1 = document.createElement('h1');
  h1.textContent = 'Serverless Bank could not start';
  const p = document.createElement('p');
  p.className = 'form-error';
  p.setAttribute('role', 'alert');
  p.textContent = 'Check your connection and reload the page.';
  const reload = document.createElement('button');
  reload.type = 'button';
  reload.className = 'primary';
  reload.textContent = 'Reload the page';
  reload.addEventListener('click', () => location.reload());
  main.append(h1, p, reload);
  into.append(main);
  document.title = 'Could not start – Serverless Bank';
};

start().catch(() => showCouldNotStart(root));
