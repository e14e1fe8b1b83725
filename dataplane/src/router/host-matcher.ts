// The routes of one host, compiled for lookup: a Map for Exact paths, a segment trie for Prefix
// paths and a length-ordered list of regexes, so a lookup costs the request path's segment count
// (plus the host's regexes), never the number of routes.
//
// Order in which candidates are tried; the first whose conditions hold wins, a candidate whose
// method/header/query conditions fail is skipped for the next one (Gateway API precedence):
// 1. Exact routes equal to the path. An Exact match is the longest possible (the whole path), so
//    it beats every Prefix, as Ingress requires; it also beats regexes, as nginx's `location =`.
// 2. Prefix and Regex routes by decreasing length: a Prefix by its normalised value, a Regex by
//    its pattern. ingress-nginx sorts its paths by descending length and nginx takes the first
//    regex location that matches; at equal length the Prefix goes first (standard type first),
//    regexes of equal length in table order. A regex runs on the normalised path (see regex.ts).
// 3. The host's fallback.
// Within one path (same value and type): method match, most headers, most query params, then
// table order (see compareConditions).
import type { IncomingHttpHeaders } from 'node:http';
import type { HostRoutes, Route } from '../table/types.ts';
import { type Conditions, compareConditions, compileConditions, conditionsHold } from './conditions.ts';
import { normalizePath, prefixKey } from './path.ts';
import { compileBoundedRegex, testBounded, type UserRegex } from './regex.ts';
import type { CompiledHost, RouteProblem } from './types.ts';

interface Candidate<R> {
  route: Route;
  payload: R;
  conditions: Conditions | undefined;
}

interface PrefixNode<R> {
  children: Map<string, PrefixNode<R>> | undefined;
  /** Routes whose Prefix ends at this node, in precedence order. */
  candidates: Candidate<R>[] | undefined;
  /** Length of the normalised prefix this node stands for. */
  length: number;
  /** Nearest ancestor with candidates: the next shorter prefix that matches too. */
  shorter: PrefixNode<R> | undefined;
}

interface RegexEntry<R> {
  re: UserRegex;
  length: number;
  candidates: Candidate<R>[];
}

export class HostMatcher<R> implements CompiledHost<R> {
  readonly entry: HostRoutes;
  private readonly exact: Map<string, Candidate<R>[]> | undefined;
  private readonly prefixes: PrefixNode<R>;
  private readonly regexes: RegexEntry<R>[];
  private readonly fallback: R | undefined;

  constructor(
    entry: HostRoutes,
    exact: Map<string, Candidate<R>[]> | undefined,
    prefixes: PrefixNode<R>,
    regexes: RegexEntry<R>[],
    fallback: R | undefined,
  ) {
    this.entry = entry;
    this.exact = exact;
    this.prefixes = prefixes;
    this.regexes = regexes;
    this.fallback = fallback;
  }

  match(
    path: string,
    method: string,
    headers: IncomingHttpHeaders,
    rawQuery: string | undefined,
  ): R | undefined {
    const normal = normalizePath(path);
    if (normal === undefined) return this.fallback;
    const exact = this.exact?.get(normal);
    if (exact !== undefined) {
      const hit = firstHolding(exact, method, headers, rawQuery);
      if (hit !== undefined) return hit.payload;
    }
    const regexes = this.regexes;
    let node = deepestPrefix(this.prefixes, normal);
    let r = 0;
    while (node !== undefined || r < regexes.length) {
      if (node !== undefined && (r === regexes.length || node.length >= regexes[r].length)) {
        const hit = firstHolding(node.candidates!, method, headers, rawQuery);
        if (hit !== undefined) return hit.payload;
        node = node.shorter;
      } else {
        const entry = regexes[r++];
        if (testBounded(entry.re, normal)) {
          const hit = firstHolding(entry.candidates, method, headers, rawQuery);
          if (hit !== undefined) return hit.payload;
        }
      }
    }
    return this.fallback;
  }
}

function firstHolding<R>(
  candidates: Candidate<R>[],
  method: string,
  headers: IncomingHttpHeaders,
  rawQuery: string | undefined,
): Candidate<R> | undefined {
  for (let i = 0; i < candidates.length; i++) {
    const c = candidates[i];
    if (c.conditions === undefined || conditionsHold(c.conditions, method, headers, rawQuery)) return c;
  }
  return undefined;
}

/** The longest Prefix node with routes matching `path` element-wise; its `shorter` chain follows. */
function deepestPrefix<R>(root: PrefixNode<R>, path: string): PrefixNode<R> | undefined {
  let node = root;
  let best = root.candidates === undefined ? undefined : root;
  let i = 1;
  while (i < path.length && node.children !== undefined) {
    let end = path.indexOf('/', i);
    if (end === -1) end = path.length;
    const child = node.children.get(path.slice(i, end));
    if (child === undefined) break;
    node = child;
    if (child.candidates !== undefined) best = child;
    i = end + 1;
  }
  return best;
}

/** Compiles one host entry; routes that cannot be compiled are reported and left out. */
export function compileHost<R>(
  entry: HostRoutes,
  bind: (route: Route, host: HostRoutes | undefined) => R,
  problems: RouteProblem[],
): HostMatcher<R> {
  // Created for the first Exact route only: most hosts have none, and 10 000 empty Maps cost ~2 MiB.
  let exact: Map<string, Candidate<R>[]> | undefined;
  const root = newNode<R>(1);
  const regexes = new Map<string, RegexEntry<R>>();
  for (const route of entry.routes) {
    const conditions = compileConditions(route.match);
    if (!conditions.ok) {
      problems.push({ routeId: route.id, message: conditions.reason });
      continue;
    }
    const { type, value } = route.match.path;
    let bucket: Candidate<R>[];
    if (type === 'Regex') {
      let regex = regexes.get(value);
      if (regex === undefined) {
        const compiled = compileBoundedRegex(value, 'start');
        if (!compiled.ok) {
          problems.push({
            routeId: route.id,
            message: `path regex ${JSON.stringify(value)}: ${compiled.reason}`,
          });
          continue;
        }
        regex = { re: compiled.re, length: value.length, candidates: [] };
        regexes.set(value, regex);
      }
      bucket = regex.candidates;
    } else {
      const key = type === 'Exact' ? normalizePath(value) : prefixKey(value);
      if (key === undefined) {
        problems.push({
          routeId: route.id,
          message: `${type} path ${JSON.stringify(value)} does not start with "/"`,
        });
        continue;
      }
      if (type === 'Exact') {
        exact ??= new Map();
        bucket = exactBucket(exact, key);
      } else bucket = prefixNode(root, key).candidates!;
    }
    bucket.push({ route, payload: bind(route, entry), conditions: conditions.conditions });
  }
  if (exact !== undefined) for (const [key, bucket] of exact) exact.set(key, sortedCandidates(bucket));
  linkShorter(root, undefined);
  // Longest pattern first; equal lengths in table order (a Map iterates in insertion order).
  const regexList =
    regexes.size === 0 ? NO_REGEXES : [...regexes.values()].sort((a, b) => b.length - a.length);
  for (const regex of regexList) regex.candidates = sortedCandidates(regex.candidates);
  const fallback = entry.fallback === undefined ? undefined : bind(entry.fallback, entry);
  return new HostMatcher(entry, exact, root, regexList, fallback);
}

/** Shared by the hosts without regex routes (most of them); never mutated. */
const NO_REGEXES: RegexEntry<never>[] = [];

function newNode<R>(length: number): PrefixNode<R> {
  return { children: undefined, candidates: undefined, length, shorter: undefined };
}

function exactBucket<R>(exact: Map<string, Candidate<R>[]>, key: string): Candidate<R>[] {
  let bucket = exact.get(key);
  if (bucket === undefined) {
    bucket = [];
    exact.set(key, bucket);
  }
  return bucket;
}

/** The trie node for a normalised prefix key (`/` or `/a/b`), created on the way. */
function prefixNode<R>(root: PrefixNode<R>, key: string): PrefixNode<R> {
  let node = root;
  if (key.length > 1) {
    let start = 1;
    while (start <= key.length) {
      let end = key.indexOf('/', start);
      if (end === -1) end = key.length;
      const segment = key.slice(start, end);
      node.children ??= new Map();
      let child = node.children.get(segment);
      if (child === undefined) {
        child = newNode(end);
        node.children.set(segment, child);
      }
      node = child;
      start = end + 1;
    }
  }
  node.candidates ??= [];
  return node;
}

/** Sorts each node's candidates and points it at the nearest shorter prefix with routes. */
function linkShorter<R>(node: PrefixNode<R>, shorter: PrefixNode<R> | undefined): void {
  node.shorter = shorter;
  if (node.candidates !== undefined) node.candidates = sortedCandidates(node.candidates);
  const next = node.candidates === undefined ? shorter : node;
  if (node.children !== undefined) for (const child of node.children.values()) linkShorter(child, next);
}

/**
 * Gateway API precedence; Array.prototype.sort is stable, so ties keep table order. Sorts an
 * exact-size copy: a bucket grown by push keeps room for 17 entries, ~4 MiB over 30 000 buckets.
 */
function sortedCandidates<R>(candidates: Candidate<R>[]): Candidate<R>[] {
  return candidates.slice().sort((a, b) => compareConditions(a.route.match, b.route.match));
}
