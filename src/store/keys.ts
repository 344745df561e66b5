/** Key builders: the only code that spells item keys (see table.ts for the layout). */
export const keys = {
  profile: (sub: string) => ({ pk: `USER#${sub}`, sk: 'PROFILE' }),
  account: (sub: string, accountId: string) => ({ pk: `USER#${sub}`, sk: `ACCOUNT#${accountId}` }),
  accountsOf: (sub: string) => ({ pk: `USER#${sub}`, skPrefix: 'ACCOUNT#' }),
  accountNumber: (number: string) => ({ pk: `ACCTNUM#${number}`, sk: 'ACCTNUM' }),
  dailyLimit: (sub: string, day: string, currency: string) => ({
    pk: `USER#${sub}`,
    sk: `LIMIT#${day}#${currency}`,
  }),
  posting: (accountId: string, createdAt: string, txId: string) => ({
    pk: `ACCOUNT#${accountId}`,
    sk: `TX#${createdAt}#${txId}`,
  }),
  postingsOf: (accountId: string) => ({ pk: `ACCOUNT#${accountId}`, skPrefix: 'TX#' }),
  /** `shardId` as made by systemShardId(): `cash-in#USD#07`. */
  systemShard: (shardId: string) => ({ pk: `SYSTEM#${shardId}`, sk: 'SYSTEM' }),
  idempotency: (sub: string, key: string) => ({ pk: `IDEM#${sub}#${key}`, sk: 'IDEM' }),
  login: (email: string) => ({ pk: `LOGIN#${email}`, sk: 'LOGIN' }),
  loginPair: (email: string, ip: string) => ({ pk: `LOGIN#${email}`, sk: `IP#${ip}` }),
  loginKnownIp: (email: string, ip: string) => ({ pk: `LOGIN#${email}`, sk: `KNOWN#${ip}` }),
  passwordReset: (email: string) => ({ pk: `LOGIN#${email}`, sk: 'RESET' }),
  verification: (sub: string) => ({ pk: `USER#${sub}`, sk: 'VERIFY' }),
  security: (sub: string) => ({ pk: `USER#${sub}`, sk: 'SECURITY' }),
  refreshToken: (hash: string) => ({ pk: `REFRESH#${hash}`, sk: 'REFRESH' }),
  mfaSession: (hash: string) => ({ pk: `MFA#${hash}`, sk: 'MFA' }),
  journalIndex: (txId: string) => `TX#${txId}`,
} as const;
