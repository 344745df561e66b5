/** Local TCP port helpers for the offline stack. */
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
