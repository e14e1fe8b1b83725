// The WatchTransport over real HTTP: LIST pages as JSON, WATCH as newline-delimited JSON events.
import { StringDecoder } from 'node:string_decoder';
import type { KubeHttp } from './kube-http.ts';
import type { ListPage, WatchEvent, WatchTransport } from './transport.ts';

const EVENT_TYPES = new Set(['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR']);

/**
 * Ceiling on one watch event (one object as JSON, UTF-16 code units here). etcd stores objects of
 * at most 1.5 MiB by default; a line past this without its newline is not an event we should buffer.
 */
export const MAX_WATCH_LINE = 16 * 1024 * 1024;

export function httpTransport(client: KubeHttp, options: { listTimeoutMs?: number } = {}): WatchTransport {
  return {
    async list({ resource, namespace }, query, signal): Promise<ListPage> {
      const body = await client.json<{
        items?: unknown;
        metadata?: { resourceVersion?: string; continue?: string };
      }>({
        resource,
        verb: 'list',
        namespace,
        query,
        signal,
        timeoutMs: options.listTimeoutMs,
      });
      return {
        items: Array.isArray(body.items) ? body.items : [],
        resourceVersion: body.metadata?.resourceVersion ?? '',
        ...(body.metadata?.continue ? { continue: body.metadata.continue } : {}),
      };
    },
    async watch({ resource, namespace }, query, signal) {
      const res = await client.open({ resource, verb: 'watch', namespace, query, signal });
      return watchEvents(res);
    },
  };
}

/** Splits a watch body into events; a malformed line ends the watch with an error (we reconnect). */
export async function* watchEvents(
  body: AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
  maxLine = MAX_WATCH_LINE,
): AsyncGenerator<WatchEvent> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  for await (const chunk of body) {
    pending += typeof chunk === 'string' ? chunk : decoder.write(chunk);
    let nl = pending.indexOf('\n');
    while (nl >= 0) {
      const line = pending.slice(0, nl).trim();
      pending = pending.slice(nl + 1);
      if (line) yield parseEvent(line);
      nl = pending.indexOf('\n');
    }
    // The reflector reconnects after an error, as after a malformed line.
    if (pending.length > maxLine) throw new Error(`watch event over ${maxLine} characters`);
  }
  const rest = (pending + decoder.end()).trim();
  if (rest) yield parseEvent(rest);
}

function parseEvent(line: string): WatchEvent {
  let e: { type?: unknown; object?: unknown };
  try {
    e = JSON.parse(line);
  } catch {
    throw new Error(`malformed watch event: ${line.slice(0, 100)}`);
  }
  if (typeof e?.type !== 'string' || !EVENT_TYPES.has(e.type)) {
    throw new Error(`unknown watch event type: ${String(e?.type)}`);
  }
  return { type: e.type as WatchEvent['type'], object: e.object };
}
