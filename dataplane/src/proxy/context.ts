// What every request handler of a listener shares: the runtime in force, the listener, the
// observers the worker passed in, and the proxy's own settings.
import type { BlockList } from 'node:net';
import type { Runtime } from '../compile.ts';
import type { UpstreamObserver } from '../upstream/observer.ts';
import type { Listener } from './forwarding.ts';
import type { ViaMarker } from './loop.ts';
import type { MirrorObserver } from './mirror.ts';
import type { ExchangeObserver } from './observer.ts';
import type { BodyPaces } from './request-body.ts';

export interface ProxyContext {
  /** The runtime in force; read once at the start of each request. */
  current: { runtime: Runtime | undefined };
  listener: Listener & { encrypted: boolean; httpsPort: number };
  trusted: BlockList | undefined;
  observer: ExchangeObserver | undefined;
  /** Failed attempts, retries, ejections and mirror outcomes (the worker's metrics, or nothing). */
  upstreamObserver: UpstreamObserver & MirrorObserver;
  /** This installation's Via entry: added to every forwarded request, refused (508) on arrival. */
  via: ViaMarker;
  log: { warn(message: string, meta?: object): void; debug(message: string, meta?: object): void };
  /** How request bodies must keep coming (body-pace.ts); gRPC streams have no minimum rate. */
  bodyPace: BodyPaces;
}
