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
 * Whether process `pid` alone holds the listening TCP sockets on `port` (Linux, from /proc), so an
 * answer on the port is known to come from it and not from whatever else took the port first (on any
 * address: another server on 127.0.0.1:P beside ours on [::1]:P could answer "localhost" too).
 * Undefined where it cannot tell: not Linux, or a /proc that shows no listener on the port (it is
 * asked once something answered there) or not the process's descriptors.
 */
export const holdsPort = async (pid: number, port: number): Promise<boolean | undefined> => {
  if (process.platform !== 'linux') return undefined;
  const hexPort = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const listeners = new Set<string>();
  const tables = await Promise.all(
    ['/proc/net/tcp', '/proc/net/tcp6'].map((t) => readFile(t, 'utf8').catch(() => '')),
  );
  for (const text of tables) {
    for (const line of text.split('\n').slice(1)) {
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
      const [, local, , state, , , , , , inode] = line.trim().split(/\s+/);
      if (inode && local?.endsWith(hexPort) && state === LISTEN) listeners.add(inode);
    }
  }
  if (listeners.size === 0) return undefined;
  let fds: string[];
  try {
    fds = await readdir(`/proc/${pid}/fd`);
  } catch (e) {
    // Gone (it exited): it holds nothing. Not ours to read: it cannot tell.
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    return undefined;
  }
  const own = new Set<string>();
  for (const fd of fds) {
    const inode = /^socket:\[(\d+)\]$/.exec(await readlink(`/proc/${pid}/fd/${fd}`).catch(() => ''))?.[1];
    if (inode) own.add(inode);
  }
  return [...listeners].every((inode) => own.has(inode));
};
