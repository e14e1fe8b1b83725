// The seam between the watch logic and HTTP: the real implementation talks to an API server
// (http-transport.ts), tests use a scripted fake (fake-transport.ts).
import type { ApiResource } from './access.ts';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchEvent {
  type: WatchEventType;
  /** The object, or a metav1.Status for ERROR events. Untrusted input: validated by the caller. */
  object: unknown;
}

export interface ListPage {
  items: unknown[];
  resourceVersion: string;
  /** Present when more pages follow. */
  continue?: string;
}

export type Query = Record<string, string>;

/** What a reflector lists and watches: a resource, in one namespace or (absent) across all. */
export interface Collection {
  resource: ApiResource;
  namespace?: string;
}

export interface WatchTransport {
  /** One page of a LIST; rejects with ApiError on a non-2xx answer. */
  list(collection: Collection, query: Query, signal: AbortSignal): Promise<ListPage>;
  /**
   * Starts a WATCH (the transport adds `watch=true`). Resolves once the server accepted it
   * (2xx) and rejects with ApiError otherwise; the iterable then yields events until the server
   * ends the stream (returns) or the connection fails or `signal` aborts (throws).
   */
  watch(collection: Collection, query: Query, signal: AbortSignal): Promise<AsyncIterable<WatchEvent>>;
}

/** A non-2xx answer from the API server, with the fields of its metav1.Status when it sent one. */
export class ApiError extends Error {
  readonly status: number;
  readonly reason: string | undefined;

  constructor(status: number, message: string, reason?: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.reason = reason;
  }
}

/** 410 Gone: the resourceVersion we asked for was compacted away, so only a fresh LIST helps. */
export function isGone(err: unknown): boolean {
  return err instanceof ApiError && err.status === 410;
}

export function isNotFound(err: unknown): boolean {
  return err instanceof ApiError && err.status === 404;
}

/** Turns the metav1.Status of a watch ERROR event into an ApiError. */
export function statusToError(status: unknown): ApiError {
  const s = (status ?? {}) as { code?: unknown; reason?: unknown; message?: unknown };
  const code = typeof s.code === 'number' ? s.code : 500;
  const message = typeof s.message === 'string' ? s.message : 'watch ERROR event';
  return new ApiError(code, message, typeof s.reason === 'string' ? s.reason : undefined);
}

export function describeError(err: unknown): string {
  if (err instanceof ApiError)
    return `HTTP ${err.status}${err.reason ? ` ${err.reason}` : ''}: ${err.message}`;
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}
