/**
 * TOTP codes are accepted once (RFC 6238 §5.2: once a code has been accepted, the verifier must not
 * accept it again). Cognito's check (cognito-local's: otplib, one step either side) takes a code for
 * as long as it is valid, about 90 seconds, however often it is sent: whoever saw a customer type it
 * (over a shoulder, in a screen share, from a log) could log in with it too, given the password.
 * So the bank takes each code for its customer before Cognito checks it, with one conditional write,
 * and refuses a code taken in the last `TOTP_CODE_SECONDS` as a wrong one; two requests sending it at
 * once get one try between them. A code Cognito refused is given back; one whose answer is unknown (a
 * timeout, a fault) stays taken, since Cognito may have accepted it (`useOnce`).
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type BankError, isDefiniteRefusal } from '../domain/errors.ts';
import { type Db, isConditionFailure } from './db.ts';
import * as keys from './item-keys.ts';

/** Longer than any code stays valid (its 30 s step and one step either side), with room for clocks. */
export const TOTP_CODE_SECONDS = 150;

export class TotpCodes {
  constructor(
    private readonly db: Db,
    private readonly table: string,
  ) {}

  /** Takes `code` for `email`: false when it was taken in the last TOTP_CODE_SECONDS. */
  async take(email: string, code: string, now = Date.now()): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.totpCode(email, code),
          UpdateExpression: 'SET takenAt = :now, expiresAt = :exp',
          ConditionExpression: 'attribute_not_exists(expiresAt) OR expiresAt <= :nowSeconds',
          ExpressionAttributeValues: {
            ':now': now,
            ':exp': Math.floor(now / 1000) + TOTP_CODE_SECONDS,
            ':nowSeconds': Math.floor(now / 1000),
          },
        }),
      );
      return true;
    } catch (e) {
      if (isConditionFailure(e)) return false;
      throw e;
    }
  }

  /**
   * Gives back the code taken at `takenAt` (and not one taken since): its expiry moves back to one
   * `TOTP_CODE_SECONDS` before it was taken, past for any clock not that far behind, so `take` takes it
   * again and the TTL deletes it. Not to 0: DynamoDB's TTL never deletes an item whose expiry is more
   * than five years past, so each wrong code stayed in the table for good. (Not deleted: `auth` and
   * `profile` are granted no DeleteItem.)
   */
  async giveBack(email: string, code: string, takenAt: number): Promise<void> {
    await this.db
      .send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.totpCode(email, code),
          UpdateExpression: 'SET expiresAt = :past',
          ConditionExpression: 'takenAt = :takenAt',
          ExpressionAttributeValues: {
            ':past': Math.floor(takenAt / 1000) - TOTP_CODE_SECONDS,
            ':takenAt': takenAt,
          },
        }),
      )
      .catch((e) => {
        if (!isConditionFailure(e)) throw e;
      });
  }

  /**
   * Runs `check` (Cognito's check of the code) with the code taken: a code taken already is refused
   * with `used()` (the API's wrong-code error) and never reaches Cognito; one `check` refuses (a
   * definite answer: a BankError but 503) is given back. One whose answer is unknown (a timeout, a
   * fault, 503) stays taken: Cognito may have accepted it. A failure to give it back leaves it taken
   * until it expires: the customer sends the next one.
   */
  async useOnce<T>(
    email: string,
    code: string,
    check: () => Promise<T>,
    used: () => BankError,
    takenAt = Date.now(),
  ): Promise<T> {
    if (!(await this.take(email, code, takenAt))) throw used();
    try {
      return await check();
    } catch (e) {
      if (isDefiniteRefusal(e)) await this.giveBack(email, code, takenAt).catch(() => undefined);
      throw e;
    }
  }
}
