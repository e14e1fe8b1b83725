// The access log (`--access-log`, off by default): one JSON line per request through winston. Its
// transport writes to fd 1 through FdWriter, which never blocks the event loop (process.stdout to
// a pipe is synchronous on Linux). When more than `maxBufferedBytes` wait, lines are dropped and
// counted instead: a slow log reader must not grow the worker's memory without bound.
import type { Writable } from 'node:stream';
import winston from 'winston';
import { FdWriter } from './fd-writer.ts';
import { plainAddress } from './forwarding.ts';
import type { ExchangeEnd } from './observer.ts';
import { peerAddress } from './peer.ts';
import { sampledByTraceId, traceId } from './trace.ts';

export interface AccessLogOptions {
  /** Share of requests logged, 0..1, decided from the trace id so all tiers keep the same traces. */
  sampleRate: number;
  /** Where lines go; fd 1 by default. */
  stream?: Writable;
  maxBufferedBytes?: number;
  onDrop?: () => void;
}

/** One access log line; field names are a stable interface for log pipelines. */
export interface AccessLogFields {
  time: string;
  request_id: string;
  trace_id: string;
  client: string;
  method: string;
  host: string;
  path: string;
  protocol: string;
  status: number;
  bytes_in: number;
  bytes_out: number;
  duration: number;
  upstream: string;
  upstream_duration: number;
  namespace: string;
  ingress: string;
  service: string;
  /** Present only when a check of the proxy refused the request: its reason (`client_address`, `basic_auth`, `external_auth`). */
  denied?: string;
}

const MAX_PATH = 2048;
const kFields = Symbol('gatehouse.accessLogFields');

function single(value: string | string[] | undefined): string {
  return (Array.isArray(value) ? value[0] : value) ?? '';
}

/** Seconds with microsecond precision: enough for a proxy, short in the log. */
function seconds(ms: number): number {
  return Math.round(ms * 1000) / 1_000_000;
}

export function accessLogFields(
  end: ExchangeEnd,
  now: number,
  bytesIn: number,
  bytesOut: number,
): AccessLogFields {
  const req = end.req;
  const url = req.url ?? '';
  const q = url.indexOf('?');
  // The query is left out: it often carries tokens a log must not keep.
  const path = (q === -1 ? url : url.slice(0, q)).slice(0, MAX_PATH);
  const route = end.route;
  const labels = route?.series?.forBackend(end.backend).labels;
  const origin = end.endpoint?.origin ?? '';
  return {
    time: new Date().toISOString(),
    request_id: end.view?.requestId ?? single(req.headers['x-request-id']),
    trace_id: end.traceparent === undefined ? '' : traceId(end.traceparent),
    client: end.view?.address ?? plainAddress(peerAddress(req)),
    method: req.method ?? '',
    host: single(req.headers.host),
    path,
    protocol: `HTTP/${req.httpVersion}`,
    status: end.status,
    bytes_in: bytesIn,
    bytes_out: bytesOut,
    duration: seconds(now - end.startedAt),
    upstream: origin.slice(origin.indexOf('//') + 2),
    upstream_duration: end.upstreamEndedAt > 0 ? seconds(end.upstreamEndedAt - end.upstreamStartedAt) : 0,
    namespace: labels?.namespace ?? route?.route.source.namespace ?? '',
    ingress: labels?.ingress ?? route?.route.source.name ?? '',
    service: labels?.service ?? end.backend?.backend.service ?? '',
    ...(end.refusal === undefined ? undefined : { denied: end.refusal }),
  };
}

export class AccessLog {
  readonly sampleRate: number;
  readonly #stream: Writable;
  readonly #logger: winston.Logger;
  readonly #maxBuffered: number;
  readonly #onDrop: () => void;

  constructor(options: AccessLogOptions) {
    this.sampleRate = Math.min(1, Math.max(0, options.sampleRate));
    this.#stream = options.stream ?? new FdWriter(1);
    // A reader that went away (EPIPE) ends the access log, never the worker.
    this.#stream.on('error', () => {});
    this.#maxBuffered = options.maxBufferedBytes ?? 8 * 1024 * 1024;
    this.#onDrop = options.onDrop ?? (() => {});
    this.#logger = winston.createLogger({
      level: 'info',
      format: winston.format.printf((info) => JSON.stringify(info[kFields])),
      transports: [new winston.transports.Stream({ stream: this.#stream })],
    });
  }

  /** Whether this exchange is logged: by trace id when it has one, else at random. */
  sampled(end: ExchangeEnd): boolean {
    const rate = this.sampleRate;
    if (rate >= 1) return true;
    if (end.traceparent !== undefined) return sampledByTraceId(end.traceparent, rate);
    return Math.random() < rate;
  }

  write(end: ExchangeEnd, now: number, bytesIn: number, bytesOut: number): void {
    // A route whose Ingress turned its access log off (ingress-nginx `enable-access-log: "false"`).
    if (end.route?.route.accessLog === false || !this.sampled(end)) return;
    if (this.#stream.destroyed || this.#stream.writableLength > this.#maxBuffered) {
      this.#onDrop();
      return;
    }
    this.#logger.info('access', { [kFields]: accessLogFields(end, now, bytesIn, bytesOut) });
  }
}
