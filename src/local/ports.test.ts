import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort, holdsPort } from './ports.ts';

describe.runIf(process.platform === 'linux')('holdsPort', () => {
  it('tells the process that listens on a port from one that does not', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
    try {
      expect(await holdsPort(process.pid, port)).toBe(true);
      expect(await holdsPort(other.pid as number, port)).toBe(false);
      // Nothing listens there: /proc shows no listener, so it cannot tell (never a false "no").
      expect(await holdsPort(process.pid, await freePort())).toBeUndefined();
    } finally {
      other.kill('SIGKILL');
      server.close();
    }
  });

  it('is not fooled by another process on the same port at another address', async () => {
    const port = await freePort();
    const ours = createServer();
    await new Promise<void>((r) => ours.listen(port, '::1', r));
    // Another process on 127.0.0.1 and the same port: "localhost" may reach either.
    const other = spawn(
      process.execPath,
      ['-e', `require('node:net').createServer().listen(${port}, '127.0.0.1', () => console.log('up'))`],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    try {
      await new Promise<void>((r) => other.stdout?.once('data', () => r()));
      expect(await holdsPort(process.pid, port)).toBe(false);
    } finally {
      other.kill('SIGKILL');
      ours.close();
    }
  });
});
