/**
 * A TOTP code sent at the right step, for the offline stack's staff set-up and the tests. Cognito takes
 * a code one step (30 s) either side of its own, so the last step's code, which these send to turn TOTP
 * on (a code is accepted once: the login after it answers with the current one), stops being valid
 * when the step turns. A turn between making the code and its answer then refused it (a flaky test, or
 * a failed staff set-up, about once in a few hundred).
 */
import { generateSync } from 'otplib';

const STEP_SECONDS = 30;
const stepNow = (now: () => number) => Math.floor(now() / 1000 / STEP_SECONDS);

/**
 * Sends the code `offset` steps from the current one (-1: the last step's). When the step turned while
 * it was on its way and the answer is not `ok`, the code is made again for the new step and sent once
 * more; nothing waits, and nothing is sent again without a turn.
 */
export const sendTotp = async <R>(
  secret: string,
  offset: number,
  send: (code: string) => Promise<R>,
  ok: (answer: R) => boolean,
  now: () => number = Date.now,
): Promise<R> => {
  const step = stepNow(now);
  const answer = await send(generateSync({ secret, epoch: (step + offset) * STEP_SECONDS }));
  if (ok(answer) || stepNow(now) === step) return answer;
  return send(generateSync({ secret, epoch: (stepNow(now) + offset) * STEP_SECONDS }));
};

/** A code Cognito's check takes now (the last, current or next step's) that is none of `used`. */
export const unusedTotpCode = (
  secret: string,
  used: readonly string[],
  now: () => number = Date.now,
): string => {
  const step = stepNow(now);
  const c = [-1, 0, 1]
    .map((offset) => generateSync({ secret, epoch: (step + offset) * STEP_SECONDS }))
    .find((x) => !used.includes(x));
  if (!c) throw new Error('every code of the window is used');
  return c;
};
