/**
 * Child processes of the offline stack that never outlive us: on Linux they get a parent-death
 * signal (util-linux `setpriv --pdeathsig`), and every live child is SIGKILLed when this process
 * exits. They stay in our process group, so killing the group (Ctrl+C in a terminal, a crash test)
 * reaches them too.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';

const SETPRIV = '/usr/bin/setpriv';
const hasSetpriv = process.platform === 'linux' && existsSync(SETPRIV);

const live = new Set<ChildProcess>();
let exitHooked = false;
const killLive = (): void => {
  for (const child of live) child.kill('SIGKILL');
};

export interface Supervised {
  child: ChildProcess;
  /** Resolves with the exit code (or signal name) when the process ends. */
  exited: Promise<number | string>;
  /** The last lines it printed, for error messages. */
  tail: () => string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  stop: (graceMs?: number) => Promise<void>;
}

export interface SuperviseOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** Each line the process prints (stdout and stderr). */
  onLine?: (line: string) => void;
}

export const supervise = (command: string, args: string[], opts: SuperviseOptions): Supervised => {
  if (!exitHooked) {
    process.once('exit', killLive);
    exitHooked = true;
  }
  const [cmd, argv] = hasSetpriv
    ? [SETPRIV, ['--pdeathsig', 'SIGKILL', '--', command, ...args]]
    : [command, args];
  const child = spawn(cmd, argv, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: 'pipe' });
  live.add(child);
  const lines: string[] = [];
  const onLine = (line: string): void => {
    lines.push(line);
    if (lines.length > 40) lines.shift();
    opts.onLine?.(line);
  };
  for (const stream of [child.stdout, child.stderr]) {
    if (stream) createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on('line', onLine);
  }
  const exited = new Promise<number | string>((resolve) => {
    const done = (code: number | string): void => {
      live.delete(child);
      resolve(code);
    };
    child.once('exit', (code, signal) => done(code ?? signal ?? 'unknown'));
    child.once('error', (e) => {
      onLine(String(e));
      done('spawn-error');
    });
  });
  const stop = async (graceMs = 5000): Promise<void> => {
    if (!live.has(child)) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };
  return { child, exited, tail: () => lines.join('\n'), stop };
};

/** Polls `ready` until it returns true; fails if the process exits first or time runs out. */
export const waitReady = async (
  name: string,
  proc: Supervised,
  ready: () => Promise<boolean>,
  timeoutMs = 60_000,
): Promise<void> => {
  let exitedWith: number | string | undefined;
  void proc.exited.then((code) => {
    exitedWith = code;
  });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exitedWith !== undefined) {
      throw new Error(`${name} exited (${exitedWith}) before it was ready:\n${proc.tail()}`);
    }
    if (await ready().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  await proc.stop();
  throw new Error(`${name} was not ready after ${timeoutMs} ms:\n${proc.tail()}`);
};

/** True once something answers HTTP at `url` with a status accepted by `ok`. */
export const httpAnswers =
  (url: string, ok: (status: number) => boolean = () => true) =>
  async (): Promise<boolean> => {
    const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await res.body?.cancel();
    return ok(res.status);
  };
