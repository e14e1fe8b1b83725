// global-rate-limit budgets shared by every replica through Redis (or Valkey), as ingress-nginx's
// lua-resty-global-throttle shared them through memcached. One fixed window per zone, client and
// window, counted by a Lua script (atomic; the window comes from the store's clock, so replicas
// agree). ioredis (not `redis`): Lua scripts by EVALSHA with EVAL fallback, and a failing-fast mode
// (enableOfflineQueue false) while it reconnects in the background. When the store cannot answer,
// each replica counts alone (a leaky bucket of the same size), with a Warning and a metric.
import { Redis } from 'ioredis';
import type { Logger } from '../log.ts';
import type { LimitLedger } from './ledger.ts';

/** INCR the window's counter; the first request of a window sets its expiry. Returns the count. */
const WINDOW_SCRIPT = `
local now = redis.call('TIME')
local window = math.floor(tonumber(now[1]) / tonumber(ARGV[1]))
local key = KEYS[1] .. ':' .. window
local n = redis.call('INCR', key)
if n == 1 then redis.call('EXPIRE', key, tonumber(ARGV[1]) + 1) end
return n`;

/** A store slower than this is taken as unreachable for the request (it falls back). */
const COMMAND_TIMEOUT_MS = 500;

type WindowRedis = Redis & { window(key: string, windowSeconds: number): Promise<number> };

export class GlobalLimits {
  readonly #ledger: LimitLedger;
  readonly #log: Logger;
  readonly #redis: WindowRedis | undefined;
  readonly #store: string;
  #warned = false;
  /** Requests decided by this replica alone because the store did not answer. */
  fallbacks = 0;

  constructor(store: string | undefined, ledger: LimitLedger, log: Logger) {
    this.#ledger = ledger;
    this.#log = log;
    this.#store = store === undefined ? '' : redacted(store);
    if (store === undefined) return;
    const redis = new Redis(store, {
      enableOfflineQueue: false,
      commandTimeout: COMMAND_TIMEOUT_MS,
      maxRetriesPerRequest: 0,
      // Keep trying in the background, at most every 2 s; requests fall back meanwhile.
      retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
      lazyConnect: false,
    });
    redis.defineCommand('window', { numberOfKeys: 1, lua: WINDOW_SCRIPT });
    redis.on('error', (error: Error) => this.#unreachable(error));
    redis.on('ready', () => {
      if (this.#warned) this.#log.info('rate-limit store reachable again', { store: this.#store });
      this.#warned = false;
    });
    this.#redis = redis as WindowRedis;
  }

  /** 1 when the store answers (or none is configured), else 0. */
  get storeUp(): number {
    return this.#redis === undefined || this.#redis.status === 'ready' ? 1 : 0;
  }

  get configured(): boolean {
    return this.#redis !== undefined;
  }

  /** Whether one more request of `key` fits the window: in the store, else in this replica's ledger. */
  async admit(
    worker: number,
    zone: string,
    key: string,
    limit: number,
    windowSeconds: number,
  ): Promise<boolean> {
    const redis = this.#redis;
    if (redis !== undefined && redis.status === 'ready') {
      try {
        const count = await redis.window(`gatehouse:grl:${zone}:${key}`, windowSeconds);
        return count <= limit;
      } catch (error) {
        this.#unreachable(error as Error);
      }
    }
    if (redis !== undefined) {
      this.fallbacks++;
      // A store that closed cleanly says nothing on 'error': the first fallback warns then.
      this.#unreachable(new Error(`connection ${redis.status}`));
    } else if (!this.#warned) {
      this.#warned = true;
      this.#log.warn('global-rate-limit without --rate-limit-store: each replica counts alone');
    }
    // Per replica: `limit` requests at once, refilled over the window (burst limit − 1).
    const buckets = [{ perMs: limit / (windowSeconds * 1000), burst: limit - 1 }];
    return this.#ledger.lease(worker, { zone: `global:${zone}`, key, need: 1, want: 1, buckets }) > 0;
  }

  async close(): Promise<void> {
    await this.#redis?.quit().catch(() => this.#redis?.disconnect());
  }

  #unreachable(error: Error): void {
    if (this.#warned) return;
    this.#warned = true;
    this.#log.warn('rate-limit store unreachable: global-rate-limit falls back to this replica alone', {
      store: this.#store,
      error: error.message,
    });
  }
}

/** The store's URL without its password, for logs. */
function redacted(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return 'redis://?';
  }
}
