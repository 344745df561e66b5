/** The client's screens and their paths. The local gateway and CloudFront send every path to index.html. */
export type Screen =
  | { name: 'login' }
  | { name: 'register' }
  | { name: 'confirm' }
  | { name: 'forgot' }
  | { name: 'reset' }
  | { name: 'security' }
  | { name: 'dashboard' }
  | { name: 'open' }
  | { name: 'transfer' }
  | { name: 'bulk' }
  | { name: 'account'; id: string }
  | { name: 'deposit'; id: string }
  | { name: 'withdraw'; id: string }
  | { name: 'close'; id: string }
  | { name: 'payees' }
  | { name: 'transaction'; id: string }
  | { name: 'schedules' }
  | { name: 'newSchedule' }
  | { name: 'schedule'; id: string }
  | { name: 'statements'; id: string }
  | { name: 'settings' }
  | { name: 'developers' }
  | { name: 'webhook'; id: string }
  | { name: 'activity' }
  | { name: 'admin' }
  | { name: 'notFound' };

const PUBLIC = new Set<Screen['name']>(['login', 'register', 'confirm', 'forgot', 'reset']);
export const isPublic = (s: Screen): boolean => PUBLIC.has(s.name);

const ID = '([0-9a-fA-F-]{36})';
const table: [RegExp, (m: RegExpExecArray) => Screen][] = [
  [/^\/$/, () => ({ name: 'dashboard' })],
  [/^\/login$/, () => ({ name: 'login' })],
  [/^\/register$/, () => ({ name: 'register' })],
  [/^\/confirm$/, () => ({ name: 'confirm' })],
  [/^\/forgot$/, () => ({ name: 'forgot' })],
  [/^\/reset$/, () => ({ name: 'reset' })],
  [/^\/security$/, () => ({ name: 'security' })],
  [/^\/accounts\/new$/, () => ({ name: 'open' })],
  [/^\/transfer$/, () => ({ name: 'transfer' })],
  [/^\/transfer\/bulk$/, () => ({ name: 'bulk' })],
  [new RegExp(`^/accounts/${ID}$`), (m) => ({ name: 'account', id: m[1] as string })],
  [new RegExp(`^/accounts/${ID}/deposit$`), (m) => ({ name: 'deposit', id: m[1] as string })],
  [new RegExp(`^/accounts/${ID}/withdraw$`), (m) => ({ name: 'withdraw', id: m[1] as string })],
  [new RegExp(`^/accounts/${ID}/close$`), (m) => ({ name: 'close', id: m[1] as string })],
  [/^\/payees$/, () => ({ name: 'payees' })],
  [new RegExp(`^/transactions/${ID}$`), (m) => ({ name: 'transaction', id: m[1] as string })],
  [/^\/schedules$/, () => ({ name: 'schedules' })],
  [/^\/schedules\/new$/, () => ({ name: 'newSchedule' })],
  [new RegExp(`^/schedules/${ID}$`), (m) => ({ name: 'schedule', id: m[1] as string })],
  [new RegExp(`^/accounts/${ID}/statements$`), (m) => ({ name: 'statements', id: m[1] as string })],
  [/^\/settings$/, () => ({ name: 'settings' })],
  [/^\/settings\/developers$/, () => ({ name: 'developers' })],
  [/^\/settings\/developers\/(wh_[0-9a-f]{32})$/, (m) => ({ name: 'webhook', id: m[1] as string })],
  [/^\/settings\/activity$/, () => ({ name: 'activity' })],
  // The back office (web/src/admin): its own paths under /admin, for admins only.
  [/^\/admin(\/.*)?$/, () => ({ name: 'admin' })],
];

/** The home page of the app a path is in: the back office's, or the customer's. */
export const homeOf = (pathname: string): string => (match(pathname).name === 'admin' ? '/admin' : '/');

export const match = (pathname: string): Screen => {
  const path = pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname;
  for (const [re, make] of table) {
    const m = re.exec(path);
    if (m) return make(m);
  }
  return { name: 'notFound' };
};

/**
 * Where to go after logging in: only a path of this app (no other origin, no `//host`, no
 * `javascript:`), and never back to a login screen.
 */
export const safeNext = (next: string | null | undefined): string => {
  if (!next?.startsWith('/') || next.startsWith('//') || next.includes('\\')) return '/';
  let url: URL;
  try {
    url = new URL(next, 'https://app.invalid');
  } catch {
    return '/';
  }
  if (url.origin !== 'https://app.invalid') return '/';
  const s = match(url.pathname);
  if (s.name === 'notFound' || isPublic(s)) return '/';
  return url.pathname + url.search;
};

/** The login path that brings the customer back to `current` afterwards. */
export const loginPath = (current: string): string => {
  const next = safeNext(current);
  return next === '/' ? '/login' : `/login?next=${encodeURIComponent(next)}`;
};

/** The header's sections, for `aria-current` on the nav: which one a screen belongs to. */
export type NavSection = 'accounts' | 'transfer' | 'payees' | 'schedules' | 'settings' | 'admin';
const SECTIONS: Partial<Record<Screen['name'], NavSection>> = {
  dashboard: 'accounts',
  open: 'accounts',
  account: 'accounts',
  deposit: 'accounts',
  withdraw: 'accounts',
  close: 'accounts',
  statements: 'accounts',
  transfer: 'transfer',
  bulk: 'transfer',
  transaction: 'accounts',
  payees: 'payees',
  schedules: 'schedules',
  newSchedule: 'schedules',
  schedule: 'schedules',
  settings: 'settings',
  security: 'settings',
  developers: 'settings',
  webhook: 'settings',
  activity: 'settings',
  admin: 'admin',
};
export const navSection = (s: Screen): NavSection | undefined => SECTIONS[s.name];
