/**
 * Stands in for `mnemonist/lru-cache` in the Lambda bundles only (an esbuild alias in
 * infra/bundling.ts). Its one user there is `@aws-sdk/endpoint-cache`, which every DynamoDB client
 * builds for endpoint discovery (off unless AWS_ENABLE_ENDPOINT_DISCOVERY is set, and this bank never
 * sets it); mnemonist's cache, with its typed arrays and iterators, is about 7 KB of every bundle.
 * The endpoint cache itself stays the package's own code: this is only the least-recently-used map
 * under it, with the methods it calls (set, get, peek, has, clear), kept over a Map in use order.
 * infra/lru-cache.test.ts runs the same operations on both and expects the same answers. Offline
 * (tsx, not bundled) the SDK keeps mnemonist.
 */
export default class LRUCache<K, V> {
  readonly capacity: number;
  /** Least recently used first: a Map iterates in insertion order, and a use re-inserts. */
  private readonly items = new Map<K, V>();

  constructor(capacity: number) {
    if (typeof capacity !== 'number' || capacity <= 0) throw new Error('LRUCache: capacity must be > 0');
    this.capacity = capacity;
  }

  get size(): number {
    return this.items.size;
  }

  clear(): void {
    this.items.clear();
  }

  /** Stores the value as the most recently used, dropping the least recently used when full. */
  set(key: K, value: V): this {
    if (this.items.has(key)) this.items.delete(key);
    else if (this.items.size >= this.capacity) this.items.delete(this.items.keys().next().value as K);
    this.items.set(key, value);
    return this;
  }

  /** The value, now the most recently used. */
  get(key: K): V | undefined {
    if (!this.items.has(key)) return undefined;
    const value = this.items.get(key) as V;
    this.items.delete(key);
    this.items.set(key, value);
    return value;
  }

  /** The value, its use order untouched. */
  peek(key: K): V | undefined {
    return this.items.get(key);
  }

  has(key: K): boolean {
    return this.items.has(key);
  }
}
