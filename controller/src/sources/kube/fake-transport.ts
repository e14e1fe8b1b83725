// Test support: a scripted API server behind the WatchTransport seam. Tests add and delete
// objects (visible to open watches or "while away"), queue failures, and read back every
// request the watch layer made.
import { collectionPath } from './access.ts';
import {
  ApiError,
  type Collection,
  type ListPage,
  type Query,
  type WatchEvent,
  type WatchTransport,
} from './transport.ts';

type Raw = { metadata: { name: string; namespace?: string; resourceVersion?: string }; [k: string]: unknown };

export class FakeWatch implements AsyncIterable<WatchEvent> {
  readonly path: string;
  readonly query: Query;
  #queue: WatchEvent[] = [];
  #waiter: { resolve: (r: IteratorResult<WatchEvent>) => void; reject: (e: unknown) => void } | undefined;
  #ended = false;
  #error: unknown;
  closed = false;

  constructor(path: string, query: Query, signal: AbortSignal) {
    this.path = path;
    this.query = query;
    signal.addEventListener('abort', () => this.fail(new Error('aborted')), { once: true });
  }

  send(event: WatchEvent): void {
    if (this.closed) return;
    this.#queue.push(event);
    this.#wake();
  }

  /** The server ends the stream cleanly (its timeoutSeconds elapsed). */
  end(): void {
    this.#ended = true;
    this.closed = true;
    this.#wake();
  }

  /** The connection breaks. */
  fail(error: unknown): void {
    this.#error ??= error;
    this.closed = true;
    this.#wake();
  }

  #wake(): void {
    const w = this.#waiter;
    if (!w) return;
    const event = this.#queue.shift();
    if (event) {
      this.#waiter = undefined;
      w.resolve({ value: event, done: false });
    } else if (this.#error !== undefined || this.#ended) {
      this.#waiter = undefined;
      if (this.#error !== undefined) w.reject(this.#error);
      else w.resolve({ value: undefined, done: true });
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<WatchEvent> {
    return {
      next: () =>
        new Promise<IteratorResult<WatchEvent>>((resolve, reject) => {
          this.#waiter = { resolve, reject };
          this.#wake();
        }),
      return: async () => {
        this.closed = true;
        return { value: undefined, done: true };
      },
    };
  }
}

interface Failure {
  op: 'list' | 'watch';
  error: unknown;
  /** Never answers (until aborted) instead of failing. */
  hang?: boolean;
  /** Only requests on this collection path; any path when absent. */
  path?: string;
}

export class FakeApiServer implements WatchTransport {
  /** Every LIST request, in order. */
  readonly lists: Array<{ path: string; query: Query }> = [];
  /** Every WATCH accepted or refused, in order. */
  readonly watchRequests: Array<{ path: string; query: Query }> = [];
  /** Every WATCH that was accepted, in order. */
  readonly watches: FakeWatch[] = [];
  #objects = new Map<string, Map<string, Raw>>();
  #failures: Failure[] = [];
  #rv = 100;
  /** Like a server (or proxy) that drops `fieldSelector`: every object of the collection is sent. */
  ignoreFieldSelectors = false;

  get resourceVersion(): string {
    return String(this.#rv);
  }

  /** The next `op` request (on `path`, if given) fails with `error`; failures queue in order. */
  failNext(op: 'list' | 'watch', error: unknown, path?: string): void {
    this.#failures.push({ op, error, path });
  }

  /** The next `op` request (on `path`, if given) never answers. */
  hangNext(op: 'list' | 'watch', path?: string): void {
    this.#failures.push({ op, error: undefined, hang: true, path });
  }

  /** Stores (adds or replaces) an object; open watches on `path` see it unless `quietly`. */
  put(path: string, o: Raw, quietly = false): Raw {
    const objects = this.#collection(path);
    const key = keyOf(o);
    const type = objects.has(key) ? 'MODIFIED' : 'ADDED';
    const stored = { ...o, metadata: { ...o.metadata, resourceVersion: String(++this.#rv) } };
    objects.set(key, stored);
    if (!quietly) this.#broadcast(path, { type, object: stored });
    return stored;
  }

  /** Deletes an object; open watches on `path` see it unless `quietly`. */
  remove(path: string, key: string, quietly = false): void {
    const objects = this.#collection(path);
    const o = objects.get(key);
    if (!o) throw new Error(`no object ${key} at ${path}`);
    objects.delete(key);
    const gone = { ...o, metadata: { ...o.metadata, resourceVersion: String(++this.#rv) } };
    if (!quietly) this.#broadcast(path, { type: 'DELETED', object: gone });
  }

  /** The open watch most recently started on `path`. */
  current(path: string): FakeWatch {
    const w = this.watches.findLast((x) => x.path === path && !x.closed);
    if (!w) throw new Error(`no open watch on ${path}`);
    return w;
  }

  async list(collection: Collection, query: Query, signal: AbortSignal): Promise<ListPage> {
    const path = collectionPath(collection.resource, collection.namespace);
    this.lists.push({ path, query });
    await this.#maybeFail('list', path, signal);
    const selected = this.#selector(query);
    const all = [...this.#visible(path).entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([, o]) => o)
      .filter(selected);
    const start = Number(query.continue ?? 0);
    const limit = Number(query.limit ?? all.length);
    const end = Math.min(all.length, start + limit);
    return {
      items: all.slice(start, end).map((o) => structuredClone(o)),
      resourceVersion: this.resourceVersion,
      ...(end < all.length ? { continue: String(end) } : {}),
    };
  }

  async watch(collection: Collection, query: Query, signal: AbortSignal): Promise<AsyncIterable<WatchEvent>> {
    const path = collectionPath(collection.resource, collection.namespace);
    this.watchRequests.push({ path, query });
    await this.#maybeFail('watch', path, signal);
    this.#selector(query);
    const w = new FakeWatch(path, query, signal);
    this.watches.push(w);
    return w;
  }

  async #maybeFail(op: 'list' | 'watch', path: string, signal: AbortSignal): Promise<void> {
    const i = this.#failures.findIndex((f) => f.op === op && (f.path === undefined || f.path === path));
    if (i < 0) return;
    const [f] = this.#failures.splice(i, 1);
    if (f.hang) {
      await new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))));
    }
    throw f.error;
  }

  #collection(path: string): Map<string, Raw> {
    let c = this.#objects.get(path);
    if (!c) {
      c = new Map();
      this.#objects.set(path, c);
    }
    return c;
  }

  #broadcast(path: string, event: WatchEvent): void {
    const across = acrossNamespaces(path);
    for (const w of this.watches) {
      if (w.closed || (w.path !== path && w.path !== across)) continue;
      if (this.#selector(w.query)(event.object as Raw)) w.send(event);
    }
  }

  /** What a request on `path` sees: its own objects, plus every namespace's for a cluster-wide path. */
  #visible(path: string): Map<string, Raw> {
    const out = new Map(this.#collection(path));
    for (const [p, objects] of this.#objects) {
      if (acrossNamespaces(p) === path) for (const [k, o] of objects) out.set(k, o);
    }
    return out;
  }

  /** The apiserver's field selector for the fields Secrets support: `f=v` and `f!=v` terms, ANDed. */
  #selector(query: Query): (o: Raw) => boolean {
    const selector = query.fieldSelector;
    if (!selector || this.ignoreFieldSelectors) return () => true;
    const terms = selector.split(',').map((term) => {
      const m = /^(metadata\.name|metadata\.namespace|type)(!=|==|=)(.*)$/.exec(term);
      if (!m) throw new ApiError(400, `field label not supported: ${term}`, 'BadRequest');
      return { field: m[1], equal: m[2] !== '!=', value: m[3] };
    });
    const fieldOf = (o: Raw, field: string): unknown =>
      field === 'type' ? o.type : field === 'metadata.name' ? o.metadata.name : o.metadata.namespace;
    return (o) => terms.every((t) => (fieldOf(o, t.field) === t.value) === t.equal);
  }
}

/** `/api/v1/namespaces/x/secrets` → `/api/v1/secrets`: the same objects, seen across namespaces. */
function acrossNamespaces(path: string): string | undefined {
  const m = /^(.*)\/namespaces\/[^/]+\/([^/]+)$/.exec(path);
  return m ? `${m[1]}/${m[2]}` : undefined;
}

export function keyOf(o: Raw): string {
  return o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name;
}

export const gone = () => new ApiError(410, 'too old resource version', 'Expired');
