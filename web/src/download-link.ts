/**
 * Where a download link from the API may send the browser: an https address, or plain http only on
 * this machine (the local stack's S3 emulator). Anything else (javascript:, data:, http on the network,
 * a relative path) is not followed: a link the bank would never hand out.
 */
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** The link as given if the browser may go there, else undefined. */
export const safeDownloadUrl = (url: unknown): string | undefined => {
  if (typeof url !== 'string') return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  const ok = parsed.protocol === 'https:' || (parsed.protocol === 'http:' && LOOPBACK.has(parsed.hostname));
  return ok ? url : undefined;
};
