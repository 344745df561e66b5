/**
 * A client's answer to 503 `service_unavailable`: send the same request again.
 *
 * Under AWS's transaction conflict rules (src/local/conflicts.ts) many requests racing for one item
 * are retried by the stores (src/store/retry.ts) a bounded number of times; a request that is still
 * losing when its retries run out answers 503 with Retry-After and writes nothing, and the API's
 * contract is that the client sends it again (money moves with the same Idempotency-Key). How many
 * requests of a race run out, and how many times one of them does, depends on the machine's speed
 * and load (50 withdrawals racing for one account, beside a whole run of the suite on 2 cores: 21 and
 * 36 of them answered 503 at least once). A race ends all the same: each round settles at least one
 * of its requests (posted, or refused once the money or the amount is used up). So a test of what a
 * race ends in (exactly 20 withdrawals of 200, at most 10 accounts) sends a 503 again, as a client
 * would, until the request gets another answer, and then asserts the outcome. `times` is a backstop:
 * a server that answered 503 for good would run into the test's own timeout first. A 409
 * `idempotency_key_in_use` is sent again too (`inProgress`).
 */
export const untilNotBusy = async <R extends { status: number }>(
  send: () => Promise<R>,
  times = 50,
): Promise<R> => {
  let r = await send();
  for (let i = 0; i < times && (r.status === 503 || inProgress(r)); i++) r = await send();
  return r;
};

/**
 * 409 `idempotency_key_in_use`: the request's key is held by its own earlier attempt, still being
 * written (a 503 that stopped waiting on its transaction at the invocation's deadline, which DynamoDB
 * then commits). The contract, as the web client keeps it, is to send it again with the same key:
 * once the write is done, the answer is its replay.
 */
const inProgress = (r: { status: number }): boolean => {
  const body =
    (r as { body?: { code?: unknown }; json?: { code?: unknown } }).body ??
    (r as { json?: { code?: unknown } }).json;
  return r.status === 409 && body?.code === 'idempotency_key_in_use';
};

/**
 * The answers of a race whose status is none of `expected`, as `<status> <code>`: an assertion that
 * there are none names them when it fails (a count of the expected ones would not).
 */
export const otherThan = (
  rs: readonly { status: number; body?: { code?: unknown } }[],
  ...expected: number[]
): string[] =>
  rs
    .filter((r) => !expected.includes(r.status))
    .map((r) => `${r.status} ${String(r.body?.code ?? '')}`.trim());
