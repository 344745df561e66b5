/**
 * Registration once Cognito sends no more codes (its email quota spent, a delivery that failed), which
 * cognito-local cannot answer: the SDK is answered here for SignUp alone, as in auth-faults.test. A
 * security review's failing test, kept and widened.
 */
import { randomUUID } from 'node:crypto';
import { CognitoIdentityProviderClient, SignUpCommand } from '@aws-sdk/client-cognito-identity-provider';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { call } from '../../test/api.ts';
import { createTestTable, createTestUserPool, useHandlerEnv } from '../../test/harness.ts';
import { logger } from '../api/logger.ts';
import { SIGN_UP_CODE_NOT_SENT } from '../domain/session.ts';

const PASSWORD = 'Correct-Horse-9-Battery';
let pool: Awaited<ReturnType<typeof createTestUserPool>>;
let table: string;
const env = (autoConfirm: boolean) =>
  useHandlerEnv({
    TABLE_NAME: table,
    USER_POOL_ID: pool.userPoolId,
    USER_POOL_CLIENT_ID: pool.clientId,
    BANK_AUTO_CONFIRM: String(autoConfirm),
    BANK_AUTH_FLOOR_MS: '0',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
beforeAll(async () => {
  pool = await createTestUserPool('signupquota');
  table = await createTestTable('signupquota');
});
afterEach(() => {
  vi.restoreAllMocks();
});

const email = () => `review-${randomUUID().slice(0, 8)}@example.com`;
const register = (e: string) => call('register', { body: { email: e, password: PASSWORD, name: 'A' } });

describe('registration once Cognito sends no more codes', () => {
  it.each(['LimitExceededException', 'CodeDeliveryFailureException'])(
    '%s: answers a taken email and a new one alike (README: "the same for a taken email"), and says so in an alarmed log line',
    async (refusal) => {
      // A customer who signed up and confirmed.
      let restore = env(true);
      const taken = email();
      expect((await register(taken)).status).toBe(201);
      restore();
      restore = env(false);
      try {
        // Cognito's default sender has a daily quota (README, Local vs AWS: "about 50 emails a day per
        // account"; "not done" to change it), which anyone spends by signing up 50 fresh addresses.
        // Past it, SignUp of a new address is refused with LimitExceededException ("Exceeded daily email
        // limit for the operation or the account"), while a taken one still gets UsernameExistsException
        // (the real pool answers it here).
        const send = CognitoIdentityProviderClient.prototype.send;
        vi.spyOn(CognitoIdentityProviderClient.prototype, 'send').mockImplementation(function (
          this: CognitoIdentityProviderClient,
          command: unknown,
          ...rest: unknown[]
        ) {
          if (command instanceof SignUpCommand && command.input.Username !== taken) {
            const name = refusal;
            return Promise.reject(
              Object.assign(new Error('Exceeded daily email limit for the operation or the account'), {
                name,
              }),
            );
          }
          return (send as (...a: unknown[]) => Promise<unknown>).call(this, command, ...rest);
        } as typeof send);
        const warned = vi.spyOn(logger, 'warn');
        const forTaken = await register(taken);
        const forNew = await register(email());
        // Today: 202 pending_confirmation for the taken email, 503 service_unavailable for the new one
        // (cognito.ts signUp: LimitExceededException -> THROTTLED busy), so for the rest of the day the
        // route tells anyone which addresses are customers'.
        expect({ status: forNew.status, code: forNew.body?.code }).toEqual({
          status: forTaken.status,
          code: undefined,
        });
        expect(forNew.status).toBe(202);
        // The line the alarm counts, without the address.
        expect(warned).toHaveBeenCalledWith(SIGN_UP_CODE_NOT_SENT, { reason: refusal });
        expect(JSON.stringify(warned.mock.calls)).not.toContain('@example.com');
      } finally {
        restore();
      }
    },
  );
});
