/** What every money movement carries from the request to the ledger: the caller and the request's identity. */
export const keyed = (req: { caller: { sub: string }; idempotencyKey: string; fingerprint: string }) => ({
  user: req.caller.sub,
  idempotencyKey: req.idempotencyKey,
  fingerprint: req.fingerprint,
});
