/**
 * Stands in for `@aws-sdk/endpoint-cache` in the Lambda bundles (an alias in infra/bundling.ts).
 *
 * The DynamoDB client builds an endpoint-discovery cache as it is constructed
 * (`resolveEndpointDiscoveryConfig`: `new EndpointCache(1000)`, an LRU cache from mnemonist, 8.5 KB
 * minified in every DynamoDB function), but none of its commands installs the endpoint-discovery
 * middleware, the cache's only reader and writer: every call goes to the regional endpoint. So the
 * stand-in is built as the client builds the cache and refuses any use, naming this file, instead of
 * quietly caching nothing. infra/endpoint-cache-left-out.test.ts checks both halves: no command of
 * the plain SDK's DynamoDB client has the middleware (if a release brings it back, that test fails
 * and the alias must go), and a bundled client carries the stand-in, not mnemonist. Offline (tsx,
 * not bundled) the client keeps the real package.
 */
const refused = (what: string): never => {
  throw new Error(
    `DynamoDB endpoint discovery is left out of the Lambda bundles (EndpointCache.${what}): remove the alias in infra/endpoint-cache-left-out.ts to use it`,
  );
};

export class EndpointCache {
  constructor(readonly capacity: number) {}
  getEndpoint(_key: string): string | undefined {
    return refused('getEndpoint');
  }
  get(_key: string): never {
    return refused('get');
  }
  set(_key: string, _endpoints: unknown[]): void {
    refused('set');
  }
  delete(_key: string): void {
    refused('delete');
  }
  has(_key: string): boolean {
    return refused('has');
  }
  clear(): void {
    refused('clear');
  }
}
