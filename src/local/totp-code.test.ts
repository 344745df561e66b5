import { generateSync } from 'otplib';
import { describe, expect, it } from 'vitest';
import { sendTotp } from './totp-code.ts';

const secret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const code = (step: number) => generateSync({ secret, epoch: step * 30 });

describe('sendTotp', () => {
  it("sends the step's code asked for, once, when the step stays", async () => {
    const sent: string[] = [];
    const now = () => 1000 * 30 * 100 + 29_000; // in step 100, a second before it turns
    const r = await sendTotp(
      secret,
      -1,
      async (c) => {
        sent.push(c);
        return 400;
      },
      (s) => s === 204,
      now,
    );
    expect(r).toBe(400);
    expect(sent).toEqual([code(99)]);
  });

  /** A 200-ms round trip begun 100 ms before step 101 (answered in it); `answer` gives the status. */
  const turning = (answer: (code: string) => number) => {
    let t = 1000 * 30 * 100 + 29_900;
    const sent: string[] = [];
    const send = (c: string) => {
      sent.push(c);
      t += 200;
      return Promise.resolve(answer(c));
    };
    return {
      sent,
      run: () =>
        sendTotp(
          secret,
          -1,
          send,
          (s) => s === 204,
          () => t,
        ),
    };
  };

  it('sends a code made for the new step when the step turned on the way and the answer was a refusal', async () => {
    const { sent, run } = turning((c) => (c === code(100) ? 204 : 400));
    expect(await run()).toBe(204);
    expect(sent).toEqual([code(99), code(100)]);
  });

  it('does not send again an answer that was ok, turn or not', async () => {
    const { sent, run } = turning(() => 204);
    expect(await run()).toBe(204);
    expect(sent).toEqual([code(99)]);
  });
});
