/**
 * The request being served, for code deep below a handler that records it (the audit trail's
 * `requestId` and `sourceIp`) without threading it through every call. src/api/http.ts sets it per
 * request; AsyncLocalStorage keeps concurrent requests in one process (the local gateway) apart.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface RequestContext {
  requestId: string;
  sourceIp: string;
}

const store = new AsyncLocalStorage<RequestContext>();

export const withRequestContext = <T>(ctx: RequestContext, fn: () => Promise<T>): Promise<T> =>
  store.run(ctx, fn);

/** The request being served, if any. */
export const currentRequest = (): RequestContext | undefined => store.getStore();
