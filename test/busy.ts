/**
 * A client's answer to 503 `service_unavailable`: send the same request again.
 *
 * Under AWS's transaction conflict rules (src/local/conflicts.ts) many requests racing for one item
 * are retried by the stores (src/store/retry.ts) a bounded number of times; a request that is still
 * losing when its retries run out answers 503 with Retry-After and writes nothing, and the API's
 * contract is that the client sends it again (money moves with the same Idempotency-Key). How many
 * requests of a race run out depends on the machine's speed, so a test of what a race may end in
 * (exactly 20 withdrawals of 200, at most 10 accounts) resends those, as a client would, and then
 * asserts the outcome; a 503 still there after `times` resends fails it.
 */
export const untilNotBusy = async <R extends { status: number }>(
  send: () => Promise<R>,
  times = 5,
): Promise<R> => {
  let r = await send();
  for (let i = 0; i < times && r.status === 503; i++) r = await send();
  return r;
};
