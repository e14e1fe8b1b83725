// The compiled router against a reference that reads the precedence rules literally: keep every
// route whose path matches, sort them, take the first whose conditions hold. Random tables and
// requests from a seeded generator, so a failure reproduces.
import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { test } from 'node:test';
import type { Route } from '../table/types.ts';
import { compareConditions } from './conditions.ts';
import { normalizePath, prefixKey } from './path.ts';
import { compileRouter } from './router.ts';
import { bindId, host, route, table } from './test-table.ts';

function referenceMatch(
  routes: Route[],
  path: string,
  method: string,
  headers: IncomingHttpHeaders,
): string | undefined {
  const p = normalizePath(path);
  if (p === undefined) return undefined;
  const ranked = routes
    .map((r, index) => ({ r, index, rank: rankIfMatching(r, p) }))
    .filter((c): c is { r: Route; index: number; rank: [number, number] } => c.rank !== undefined)
    .sort(
      (a, b) =>
        b.rank[0] - a.rank[0] ||
        b.rank[1] - a.rank[1] ||
        regexOrder(routes, a.r, b.r) ||
        compareConditions(a.r.match, b.r.match) ||
        a.index - b.index,
    );
  return ranked.find((c) => conditionsHold(c.r, method, headers))?.r.id;
}

/** Distinct regexes of equal length in the order their pattern first appears in the table. */
function regexOrder(routes: Route[], a: Route, b: Route): number {
  if (a.match.path.type !== 'Regex' || b.match.path.type !== 'Regex') return 0;
  const first = (r: Route) =>
    routes.findIndex((x) => x.match.path.type === 'Regex' && x.match.path.value === r.match.path.value);
  return first(a) - first(b);
}

/** [length, type order] with Exact above every length; undefined when the path does not match. */
function rankIfMatching(r: Route, p: string): [number, number] | undefined {
  const { type, value } = r.match.path;
  if (type === 'Exact') return normalizePath(value) === p ? [Number.MAX_SAFE_INTEGER, 0] : undefined;
  if (type === 'Prefix') {
    const key = prefixKey(value)!;
    return key === '/' || p === key || p.startsWith(`${key}/`) ? [key.length, 1] : undefined;
  }
  return new RegExp(`^(?:${value})`, 'u').test(p) ? [value.length, 0] : undefined;
}

function conditionsHold(r: Route, method: string, headers: IncomingHttpHeaders): boolean {
  const { methods, headers: wanted } = r.match;
  if (methods !== undefined && !methods.includes(method)) return false;
  return (wanted ?? []).every((h) => headers[h.name] === h.value);
}

function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('the compiled router picks the same route as the literal reference on 20 000 random requests', () => {
  const random = mulberry32(20261125);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const segments = ['a', 'b', 'ab', 'a.b', '.', '..', '', '%61'] as const;
  const randomPath = (): string => {
    const n = Math.floor(random() * 4);
    return `/${Array.from({ length: n }, () => pick(segments)).join('/')}${random() < 0.2 ? '/' : ''}`;
  };
  const regexes = ['/a', '/a.*', '/ab?/b', '/[ab]+/b', '/(a|b)/a', '/b/.*/a$'];
  for (let t = 0; t < 400; t++) {
    const routes: Route[] = [];
    const count = 1 + Math.floor(random() * 8);
    for (let i = 0; i < count; i++) {
      const kind = random();
      const type = kind < 0.4 ? 'Exact' : kind < 0.8 ? 'Prefix' : 'Regex';
      const value = type === 'Regex' ? pick(regexes) : randomPath();
      const extra: Omit<Route['match'], 'path'> = {};
      if (random() < 0.3) extra.methods = ['POST'];
      if (random() < 0.3) extra.headers = [{ name: 'x-a', type: 'Exact', value: '1' }];
      routes.push(route(`r${i}`, type, value, extra));
    }
    const router = compileRouter(table([host('example.com', routes)]), bindId);
    const compiled = router.host('example.com')!;
    for (let q = 0; q < 50; q++) {
      const path = randomPath();
      const method = random() < 0.5 ? 'GET' : 'POST';
      const headers: IncomingHttpHeaders = random() < 0.5 ? { 'x-a': '1' } : {};
      const expected = referenceMatch(routes, path, method, headers);
      const actual = compiled.match(path, method, headers, undefined);
      if (actual !== expected) {
        assert.fail(
          `table ${JSON.stringify(routes.map((r) => [r.id, r.match]))}\n${method} ${path} ${JSON.stringify(headers)}: got ${actual}, expected ${expected}`,
        );
      }
    }
  }
});
