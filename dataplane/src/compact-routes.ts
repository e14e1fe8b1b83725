// The received table's hosts and routes, rebuilt with what repeats among them shared. A table
// deserialised from IPC gives every route its own copy of each string and sub-object (`Ingress`,
// the namespace, `{ type: 'Prefix', value: '/' }`, an empty filter list…), and a runtime keeps
// its routes for as long as it serves: at 10 000 routes the copies cost ~3 MiB per worker.
// Nothing changes but identity: every route reads exactly as in the table.
import type {
  Filter,
  HostRoutes,
  Route,
  RouteMatch,
  RouteSource,
  RouteTable,
  WeightedBackend,
} from './table/types.ts';

/** One instance of each string value seen during one compile. */
export class Interner {
  readonly #strings = new Map<string, string>();

  string(value: string): string {
    const known = this.#strings.get(value);
    if (known !== undefined) return known;
    this.#strings.set(value, value);
    return value;
  }
}

/** Shared by the routes without filters; never mutated. */
const NO_FILTERS: Filter[] = [];

/** Two-level lookup: no key string is built per route (that cost more than the rest of compaction). */
function slot<K1, K2, V>(map: Map<K1, Map<K2, V>>, a: K1, b: K2, make: () => V): V {
  let inner = map.get(a);
  if (inner === undefined) {
    inner = new Map();
    map.set(a, inner);
  }
  let value = inner.get(b);
  if (value === undefined) {
    value = make();
    inner.set(b, value);
  }
  return value;
}

class RouteCompactor {
  readonly #strings: Interner;
  /** kind → namespace → name → source. */
  readonly #sources = new Map<string, Map<string, Map<string, RouteSource>>>();
  readonly #matches = new Map<string, Map<string, RouteMatch>>();
  /** Lists of one backend (nearly all): backend → weight → list. */
  readonly #single = new Map<string, Map<number, WeightedBackend[]>>();

  constructor(strings: Interner) {
    this.#strings = strings;
  }

  route(r: Route): Route {
    // Every field of the route is kept (a field listed here one by one was dropped when the table
    // grew one: enable-access-log's accessLog); only the shareable ones are replaced.
    return {
      ...r,
      source: this.#source(r.source),
      match: this.#match(r.match),
      backends: this.#backendList(r.backends),
      filters: r.filters.length === 0 ? NO_FILTERS : r.filters,
    };
  }

  #source(s: RouteSource): RouteSource {
    const str = this.#strings;
    const byNamespace = slot(this.#sources, s.kind, s.namespace, () => new Map<string, RouteSource>());
    let shared = byNamespace.get(s.name);
    if (shared === undefined) {
      shared = { kind: str.string(s.kind), namespace: str.string(s.namespace), name: str.string(s.name) };
      byNamespace.set(s.name, shared);
    }
    return shared;
  }

  /** Matches on the path alone are shared; those with conditions are rare and kept as they came. */
  #match(m: RouteMatch): RouteMatch {
    if (
      m.headers !== undefined ||
      m.queryParams !== undefined ||
      m.cookies !== undefined ||
      m.methods !== undefined
    )
      return m;
    const { type, value } = m.path;
    return slot(this.#matches, type, value, () => ({ path: { type, value: this.#strings.string(value) } }));
  }

  #backendList(list: WeightedBackend[]): WeightedBackend[] {
    const copy = (): WeightedBackend[] =>
      list.map((wb) => ({ backend: this.#strings.string(wb.backend), weight: wb.weight }));
    if (list.length !== 1) return copy();
    return slot(this.#single, list[0].backend, list[0].weight, copy);
  }
}

/** `table` with its hosts and default route rebuilt (the rest as it is), for compileRouter. */
export function compactRoutes(table: RouteTable, strings: Interner): RouteTable {
  const c = new RouteCompactor(strings);
  const hosts = table.hosts.map((h): HostRoutes => {
    const out: HostRoutes = { host: h.host, routes: h.routes.map((r) => c.route(r)) };
    if (h.fallback !== undefined) out.fallback = c.route(h.fallback);
    if (h.tls !== undefined) out.tls = h.tls;
    if (h.clientCertificate !== undefined) {
      out.clientCertificate = h.clientCertificate;
      // nginx verifies the client at the server, before any location: a request of this host that
      // no route takes meets the check too on its way to the table's default route.
      if (out.fallback === undefined && table.defaultRoute !== undefined)
        out.fallback = c.route(table.defaultRoute);
    }
    return out;
  });
  const compacted: RouteTable = { ...table, hosts };
  if (table.defaultRoute !== undefined) compacted.defaultRoute = c.route(table.defaultRoute);
  return compacted;
}
