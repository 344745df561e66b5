/**
 * The local stand-in for Secrets Manager, for the one secret handlers read at run time (the cursor
 * key). There is no Secrets Manager emulator, so the local stack injects this Powertools provider
 * (src/store/cursor.ts `useCursorKeyProvider`) in place of SecretsProvider: same `get`, same TTL
 * cache and JSON transform, the value from memory instead of the AWS API.
 */
import { BaseProvider } from '@aws-lambda-powertools/parameters/base';
import { authorize } from './iam.ts';

export class LocalSecretsProvider extends BaseProvider {
  readonly #values: Map<string, string>;

  constructor(values: Record<string, string>) {
    super({});
    this.#values = new Map(Object.entries(values));
  }

  /** Replaces a secret's value, as `aws secretsmanager put-secret-value` does. */
  put(name: string, value: string): void {
    this.#values.set(name, value);
  }

  /** Refused, as IAM refuses it on AWS, to a function that does not declare GetSecretValue. */
  override async get(...args: Parameters<BaseProvider['get']>): ReturnType<BaseProvider['get']> {
    authorize('secretsmanager:GetSecretValue');
    return super.get(...args);
  }

  protected async _get(name: string): Promise<string | undefined> {
    return this.#values.get(name);
  }

  protected async _getMultiple(): Promise<Record<string, unknown>> {
    throw new Error('not supported');
  }
}

/** The name the local stack gives the cursor secret (on AWS: the secret's ARN). */
export const LOCAL_CURSOR_SECRET_ID = 'local/serverless-bank/cursor-key';
