/**
 * How much of the machine other work took during a phase: CPU time of the whole machine (/proc/stat)
 * minus that of the bench's own process groups (the bench and the stack it started). The bench shares
 * two cores with everything else, so a phase with other work running measures less. Linux only.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's CPU times (USER_HZ: 100 on Linux). */
const TICKS = 100;

/** Busy ticks of the whole machine from /proc/stat's `cpu` line. */
export const machineBusy = (procStat: string): number => {
  const line = procStat.split('\n').find((l) => l.startsWith('cpu ')) ?? '';
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  return [user, nice, system, irq, softirq, steal].reduce((s: number, v) => s + (v ?? 0), 0);
};

/** A process's group and CPU ticks (its own and its reaped children's) from /proc/<pid>/stat. */
export const processTicks = (stat: string): { pgrp: number; ticks: number } => {
  // After the command name, which may hold spaces and parentheses: state ppid pgrp ... utime(11) ...
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const n = (i: number) => Number(f[i] ?? 0);
  return { pgrp: n(2), ticks: n(11) + n(12) + n(13) + n(14) };
};

const read = (file: string): string | undefined => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
};

export interface CpuSnapshot {
  at: number;
  busy: number;
  ours: number;
}

/** Machine and own CPU ticks now; undefined where /proc is missing. */
export const cpuSnapshot = (groups: readonly number[]): CpuSnapshot | undefined => {
  const stat = read('/proc/stat');
  if (!stat) return undefined;
  let ours = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    const p = read(`/proc/${pid}/stat`);
    if (!p) continue;
    const { pgrp, ticks } = processTicks(p);
    if (groups.includes(pgrp)) ours += ticks;
  }
  return { at: performance.now(), busy: machineBusy(stat), ours };
};

/** Cores' worth of CPU that other processes used between two snapshots (0 if none or unknown). */
export const otherCores = (from: CpuSnapshot | undefined, to: CpuSnapshot | undefined): number => {
  if (!from || !to || to.at <= from.at) return 0;
  const other = Math.max(0, to.busy - from.busy - (to.ours - from.ours));
  return Math.round((other / TICKS / ((to.at - from.at) / 1000)) * 100) / 100;
};

/** The process group of this process. */
export const ownGroup = (): number => processTicks(read('/proc/self/stat') ?? '').pgrp || process.pid;
