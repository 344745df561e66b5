/** Checks the identity handlers share. */
import { BankError } from '../domain/errors.ts';
import { isCommon } from '../identity/common-passwords.ts';

/** Refuses a common password, or a trivial variant of one, with 400 weak_password. */
export const assertNotCommon = (password: string, path: string): void => {
  if (isCommon(password))
    throw new BankError('weak_password', 'That password is too common: choose one that is harder to guess', {
      errors: [{ path, message: 'is a common password or a simple variant of one' }],
    });
};

/** How the floor waits: a timer, unless a test injects its own (useFloorWait). */
let floorWait = (ms: number): Promise<unknown> => new Promise((resolve) => setTimeout(resolve, ms));
/** Replaces how atLeast waits (tests: to see which routes wait, and for how long); returns the undo. */
export const useFloorWait = (wait: (ms: number) => Promise<unknown>): (() => void) => {
  const previous = floorWait;
  floorWait = wait;
  return () => {
    floorWait = previous;
  };
};

/**
 * Runs `work` and answers no sooner than `ms` after it started, so that the fast path (e.g. a taken
 * email) cannot be told from the slow one by timing. Errors wait too.
 */
export const atLeast = async <T>(ms: number, work: () => Promise<T>): Promise<T> => {
  const floor = floorWait(ms);
  try {
    return await work();
  } finally {
    await floor;
  }
};
