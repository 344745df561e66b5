/**
 * Runtime configuration, read from `/config.json` when the app starts: the local gateway serves it,
 * and the CDK deploy writes it next to the app on AWS. Nothing is baked in at build time.
 */
import { IDLE_TIMEOUT_SECONDS } from '../../src/domain/session.ts';
export interface RuntimeConfig {
  /** '' means the API is on the same origin as the app. No trailing slash. */
  apiBaseUrl: string;
  region: string;
  userPoolId: string;
  userPoolClientId: string;
  idleTimeoutSeconds: number;
}

export const DEFAULT_IDLE_TIMEOUT_SECONDS = IDLE_TIMEOUT_SECONDS;

export class ConfigError extends Error {}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

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
  const idle = r.idleTimeoutSeconds;
  const idleTimeoutSeconds =
    typeof idle === 'number' && Number.isInteger(idle) && idle > 0 ? idle : DEFAULT_IDLE_TIMEOUT_SECONDS;
  return {
    apiBaseUrl,
    region: str(r.region),
    userPoolId: str(r.userPoolId),
    userPoolClientId: str(r.userPoolClientId),
    idleTimeoutSeconds,
  };
};

export const loadConfig = async (fetchFn: typeof fetch = fetch): Promise<RuntimeConfig> => {
  const res = await fetchFn('/config.json', { cache: 'no-store', headers: { accept: 'application/json' } });
  if (!res.ok) throw new ConfigError(`config.json: HTTP ${res.status}`);
  return parseConfig(await res.json());
};
