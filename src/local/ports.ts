/** Local TCP port helpers for the offline stack. */
import { readdir, readFile, readlink } from 'node:fs/promises';
import { createServer } from 'node:net';

const listenOn = (port: number, host: string): Promise<number> =>
  new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen({ port, host, exclusive: true }, () => {
      const addr = srv.address();
      const chosen = typeof addr === 'object' && addr ? addr.port : port;
      srv.close(() => resolve(chosen));
    });
  });

/** A port that was free a moment ago (the OS picks it). */
export const freePort = (host = '127.0.0.1'): Promise<number> => listenOn(0, host);

export const isPortFree = (port: number, host = '127.0.0.1'): Promise<boolean> =>
  listenOn(port, host).then(
    () => true,
    () => false,
  );

/** A port number from the environment, or undefined when unset. */
export const envPort = (name: string): number | undefined => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${name} must be a port number`);
  return n;
};

const LISTEN = '0A';

/**
 * Whether process `pid` itself holds the listening TCP socket on `port` (Linux, from /proc), so an
 * answer on the port is known to come from it and not from whatever else took the port first.
 * Elsewhere undefined: it cannot tell.
 */
export const holdsPort = async (pid: number, port: number): Promise<boolean | undefined> => {
  if (process.platform !== 'linux') return undefined;
  const hexPort = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const inodes = new Set<string>();
  const tables = await Promise.all(
    ['/proc/net/tcp', '/proc/net/tcp6'].map((t) => readFile(t, 'utf8').catch(() => undefined)),
  );
  // A /proc that does not show them (a restricted container): it cannot tell.
  if (tables.every((t) => t === undefined)) return undefined;
  for (const text of tables) {
    if (text === undefined) continue;
    for (const line of text.split('\n').slice(1)) {
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
      const [, local, , state, , , , , , inode] = line.trim().split(/\s+/);
      if (inode && local?.endsWith(hexPort) && state === LISTEN) inodes.add(inode);
    }
  }
  if (inodes.size === 0) return false;
  let fds: string[];
  try {
    fds = await readdir(`/proc/${pid}/fd`);
  } catch (e) {
    // Gone (it exited): it holds nothing. Not ours to read: it cannot tell.
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    return undefined;
  }
  for (const fd of fds) {
    const link = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    const inode = /^socket:\[(\d+)\]$/.exec(link)?.[1];
    if (inode && inodes.has(inode)) return true;
  }
  return false;
};
