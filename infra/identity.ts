/**
 * Customer identity: a Cognito user pool that signs in by email, and the web client's app client.
 * The password policy matches the API's own check (PASSWORD_RULES in src/domain/password.ts).
 */
import { Validations } from 'aws-cdk-lib';
import {
  AccountRecovery,
  CfnUserPoolGroup,
  ClientAttributes,
  FeaturePlan,
  Mfa,
  UserPool,
  type UserPoolClient,
} from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { PASSWORD_POLICY } from '../src/domain/password.ts';
import type { StageConfig } from './stage.ts';

/** 12+ characters with all four classes: the same rule the API validates before calling Cognito. */
export const passwordPolicy = PASSWORD_POLICY;

export class Identity extends Construct {
  readonly userPool: UserPool;
  readonly client: UserPoolClient;

  constructor(scope: Construct, id: string, cfg: StageConfig) {
    super(scope, id);

    this.userPool = new UserPool(this, 'UserPool', {
      signInAliases: { email: true },
      signInCaseSensitive: false,
      selfSignUpEnabled: true,
      autoVerify: { email: true },
      keepOriginal: { email: true },
      standardAttributes: {
        email: { required: true, mutable: true },
        fullname: { required: true, mutable: true },
      },
      passwordPolicy,
      mfa: Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      // Lite covers email sign-in, TOTP and token revocation: nothing here needs the pricier tiers.
      featurePlan: FeaturePlan.LITE,
      deletionProtection: cfg.deletionProtection,
      removalPolicy: cfg.removalPolicy,
    });
    Validations.of(this.userPool).acknowledge(
      {
        id: 'AwsSolutions-COG2',
        reason:
          'MFA is optional by design: customers turn on TOTP from the security settings (POST /v1/me/mfa/totp); SMS is off (it needs an origination number and costs money).',
      },
      {
        id: 'AwsSolutions-COG8',
        reason:
          'Plus-tier threat protection costs per active user; the API enforces its own lockout per (email, IP) and slow-down per email, and refuses common passwords (README: Plus tier).',
      },
    );

    // Bank staff (the back office, /v1/admin/...): members are added with `npm run admin:create --
    // --user-pool-id ...` (README, Back office); admin routes also require a TOTP login.
    // Kept with the pool (prod retains it): a pool kept when the stack is deleted would otherwise lose
    // its staff's group membership and its app client (every refresh token with it).
    new CfnUserPoolGroup(this, 'AdminGroup', {
      userPoolId: this.userPool.userPoolId,
      groupName: 'admin',
      description: 'Bank staff: the back office',
    }).applyRemovalPolicy(cfg.removalPolicy);

    this.client = this.userPool.addClient('WebClient', {
      // The browser cannot keep a secret; the API calls the public InitiateAuth with this client id.
      generateSecret: false,
      authFlows: { userPassword: true },
      // No hosted UI or OAuth flows: the API signs customers in with USER_PASSWORD_AUTH and refresh tokens.
      disableOAuth: true,
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      // Every access token may call Cognito's self-service API (UpdateUserAttributes...) with this public
      // client id: only the name may change that way. The email (the sign-in name, where codes go) may
      // not, or a stolen 5-minute token could move the account's email, and its password resets, to
      // the thief's mailbox.
      writeAttributes: new ClientAttributes().withStandardAttributes({ fullname: true }),
      accessTokenValidity: cfg.accessTokenValidity,
      idTokenValidity: cfg.accessTokenValidity,
      refreshTokenValidity: cfg.refreshTokenValidity,
    });
    this.client.applyRemovalPolicy(cfg.removalPolicy);
  }
}
