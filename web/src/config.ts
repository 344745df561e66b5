/**
 * Runtime configuration, read from `/config.json` when the app starts: the local gateway serves it,
 * and the CDK deploy writes it next to the app on AWS. Nothing is baked in at build time.
 */
import { IDLE_TIMEOUT_SECONDS } from '../../src/domain/session.ts';
import { UNSAFE_TEXT } from '../../src/domain/text.ts';
export interface RuntimeConfig {
  /** '' means the API is on the same origin as the app. No trailing slash. */
  apiBaseUrl: string;
  region: string;
  userPoolId: string;
  userPoolClientId: string;
  idleTimeoutSeconds: number;
  /**
   * How a customer reaches the bank (the stage's BANK_SUPPORT_CONTACT), said where the client tells
   * them to contact it; '' when the stage sets none.
   */
  supportContact: string;
}

export const DEFAULT_IDLE_TIMEOUT_SECONDS = IDLE_TIMEOUT_SECONDS;
/**
 * The idle timeout a config.json may set, in seconds: at least a minute (the warning comes halfway,
 * leaving 30 seconds to answer it; WCAG 2.2.1 asks for 20), at most the 15 minutes of PCI DSS v4 8.2.8.
 * Unbounded, a huge one would also pass 2^31 ms, which a browser's setTimeout takes as 0: the idle
 * timer would then spin instead of waiting.
 */
export const MIN_IDLE_TIMEOUT_SECONDS = 60;
export const MAX_IDLE_TIMEOUT_SECONDS = IDLE_TIMEOUT_SECONDS;

/** What is not a whole number of seconds above 0 is refused (the default); the rest is kept within bounds. */
const idleTimeoutOf = (v: unknown): number =>
  typeof v === 'number' && Number.isInteger(v) && v > 0
    ? Math.min(MAX_IDLE_TIMEOUT_SECONDS, Math.max(MIN_IDLE_TIMEOUT_SECONDS, v))
    : DEFAULT_IDLE_TIMEOUT_SECONDS;

export class ConfigError extends Error {}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** One line of text as shown: no control characters, at most 120 characters (as the server's setting). */
const oneLine = (v: string): string => (UNSAFE_TEXT.test(v) ? '' : v.trim().slice(0, 120));

export const parseConfig = (raw: unknown): RuntimeConfig => {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw))
    throw new ConfigError('config.json is not an object');
  const r = raw as Record<string, unknown>;
  const apiBaseUrl = str(r.apiBaseUrl).replace(/\/+$/, '');
  if (apiBaseUrl !== '') {
    let url: URL;
    try {
      url = new URL(apiBaseUrl);
    } catch {
      throw new ConfigError('apiBaseUrl is not a URL');
    }
    const local = url.hostname === 'localhost' || url.hostname === '127.0.0.1';
    if (url.protocol !== 'https:' && !(local && url.protocol === 'http:')) {
      throw new ConfigError('apiBaseUrl must use https');
    }
  }
  return {
    apiBaseUrl,
    region: str(r.region),
    userPoolId: str(r.userPoolId),
    userPoolClientId: str(r.userPoolClientId),
    idleTimeoutSeconds: idleTimeoutOf(r.idleTimeoutSeconds),
    supportContact: oneLine(str(r.supportContact)),
  };
};

export const loadConfig = async (fetchFn: typeof fetch = fetch): Promise<RuntimeConfig> => {
  const res = await fetchFn('/config.json', { cache: 'no-store', headers: { accept: 'application/json' } });
  if (!res.ok) throw new ConfigError(`config.json: HTTP ${res.status}`);
  return parseConfig(await res.json());
};
