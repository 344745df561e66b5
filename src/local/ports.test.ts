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
      expect(await holdsPort(process.pid, await freePort())).toBe(false);
    } finally {
      other.kill('SIGKILL');
      server.close();
    }
  });
});
