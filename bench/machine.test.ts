import { describe, expect, it } from 'vitest';
import { machineBusy, otherCores, processTicks } from './machine.ts';

describe('CPU accounting from /proc', () => {
  it('counts user, nice, system, irq, softirq and steal as busy; idle and iowait not', () => {
    const stat = 'cpu  100 5 50 9000 40 3 2 1 0 0\ncpu0 50 2 25 4500 20 1 1 0 0 0\nintr 1 2 3\n';
    expect(machineBusy(stat)).toBe(100 + 5 + 50 + 3 + 2 + 1);
  });

  it('reads group and CPU ticks even when the command name holds spaces and parentheses', () => {
    const fields = [
      'S',
      '1',
      '4242',
      '4242',
      '0',
      '-1',
      '4194560',
      '10',
      '0',
      '0',
      '0',
      '700',
      '300',
      '20',
      '5',
    ];
    expect(processTicks(`123 (node (worker) x) ${fields.join(' ')} 20 0 1`)).toEqual({
      pgrp: 4242,
      ticks: 700 + 300 + 20 + 5,
    });
  });

  it('other work is the machine’s busy time less ours, in cores', () => {
    const from = { at: 0, busy: 1000, ours: 400 };
    // 2 s later: the machine used 300 ticks (3 s of CPU), we used 100 (1 s): others 1 core.
    expect(otherCores(from, { at: 2000, busy: 1300, ours: 500 })).toBe(1);
    expect(otherCores(from, { at: 2000, busy: 1100, ours: 600 })).toBe(0);
    expect(otherCores(undefined, from)).toBe(0);
  });
});
