// One undici keep-alive Pool per upstream endpoint (origin), shared by every table version:
// a new table reuses the pools of endpoints it keeps, so a config change costs no new upstream
// connections. Pools whose endpoint left the table are closed gracefully: requests already on
// them finish (the drain DESIGN.md asks for), new ones go elsewhere.
import { Pool } from 'undici';

export interface PoolOptions {
  /** Upper bound of connections to one endpoint. */
  connections: number;
  /** Idle upstream keep-alive, ms: below the usual 5 s of servers so we close first. */
  keepAliveTimeoutMs: number;
  connectTimeoutMs: number;
}

export const defaultPoolOptions: PoolOptions = {
  connections: 1024,
  keepAliveTimeoutMs: 4000,
  connectTimeoutMs: 5000,
};

export class UpstreamPools {
  readonly #pools = new Map<string, Pool>();
  readonly #options: PoolOptions;

  constructor(options: PoolOptions = defaultPoolOptions) {
    this.#options = options;
  }

  get(origin: string): Pool {
    let pool = this.#pools.get(origin);
    if (pool === undefined) {
      pool = new Pool(origin, {
        connections: this.#options.connections,
        pipelining: 1,
        keepAliveTimeout: this.#options.keepAliveTimeoutMs,
        keepAliveMaxTimeout: this.#options.keepAliveTimeoutMs,
        connect: { timeout: this.#options.connectTimeoutMs },
      });
      // A pool error is reported per request; the pool itself must never take the worker down.
      pool.on('connectionError', () => {});
      this.#pools.set(origin, pool);
    }
    return pool;
  }

  /** Close the pools of origins the current table no longer uses. */
  retainOnly(inUse: ReadonlySet<string>): void {
    for (const [origin, pool] of this.#pools) {
      if (inUse.has(origin)) continue;
      this.#pools.delete(origin);
      pool.close().catch(() => {});
    }
  }

  get size(): number {
    return this.#pools.size;
  }

  async closeAll(): Promise<void> {
    const closing = [...this.#pools.values()].map((p) => p.close().catch(() => {}));
    this.#pools.clear();
    await Promise.all(closing);
  }
}
