/**
 * With BANK_AUTO_CONFIRM=false the local stack does not confirm registrations: cognito-local
 * prints the code in the stack's log, and POST /v1/auth/confirm takes it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StartedStack, startStack } from './harness.ts';

let stack: StartedStack;
beforeAll(async () => {
  stack = await startStack({ env: { BANK_AUTO_CONFIRM: 'false' } });
}, 180_000);
afterAll(async () => {
  await stack?.stop();
});

const post = async (path: string, body: unknown) => {
  const r = await fetch(`${stack.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : undefined };
};

describe('confirmation by code', () => {
  it('refuses login until confirmed, refuses a wrong code, accepts the logged code', async () => {
    const email = `confirm-${Date.now()}@example.com`;
    const password = 'Confirm-Me-2026!';
    const reg = await post('/v1/auth/register', { email, password, name: 'Unconfirmed' });
    expect(reg.status).toBe(202);
    expect(reg.body).toEqual({ email, status: 'pending_confirmation' });

    const early = await post('/v1/auth/login', { email, password });
    expect(early.status).toBe(403);
    expect(early.body.code).toBe('user_not_confirmed');

    const wrong = await post('/v1/auth/confirm', { email, code: '000000' });
    expect(wrong.status).toBe(400);
    expect(wrong.body.code).toBe('invalid_code');

    // cognito-local prints the message it would have emailed, code included.
    let code: string | undefined;
    for (let i = 0; i < 50 && !code; i++) {
      const logged = stack.output().split(email).slice(1).join(' ');
      code = logged.match(/\b(\d{6})\b/)?.[1];
      if (!code) await new Promise((r) => setTimeout(r, 100));
    }
    expect(code).toMatch(/^\d{6}$/);
    expect((await post('/v1/auth/confirm', { email, code })).status).toBe(204);
    expect((await post('/v1/auth/login', { email, password })).status).toBe(200);
  });
});
