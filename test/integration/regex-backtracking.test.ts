// User regexes (Regex paths, header and query matches) run on a linear-time engine: a pattern that
// makes a backtracking engine take exponential time on a near-miss (`(a+)+$` on 4 000 'a's and a
// '!') is answered at once through a real worker, and the worker keeps serving other connections.
// On a backtracking engine these requests would hold the worker for longer than the universe has
// existed; the test's timeout is the bound, no timing is asserted.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { MAX_REGEX_INPUT } from '../../dataplane/src/router/regex.ts';
import type { Route, RouteTable } from '../../dataplane/src/table/types.ts';
import { type Backend, startBackend } from './harness.ts';
import { localBackend, startTableWorker, type TableWorker } from './table-worker.ts';

// As long as the engine runs on (the input cap makes longer values never match, unseen).
const RUN = 'a'.repeat(MAX_REGEX_INPUT - 2);
const NEAR_MISS = `/${RUN}!`;

function route(id: string, match: Route['match']): Route {
  return {
    id,
    source: { kind: 'Ingress', namespace: 'test', name: id },
    match,
    backends: [{ backend: 'b', weight: 1 }],
    filters: [],
  };
}

function regexTable(backend: Backend): RouteTable {
  return {
    version: 0,
    hosts: [
      {
        host: 'regex.test',
        routes: [
          route('nested', { path: { type: 'Regex', value: '/(a+)+$' } }),
          route('alternation-header', {
            path: { type: 'Prefix', value: '/h' },
            headers: [{ name: 'x-token', type: 'Regex', value: '(a|aa)*c' }],
          }),
          route('alternation-query', {
            path: { type: 'Prefix', value: '/q' },
            queryParams: [{ name: 'token', type: 'Regex', value: '(a|a)*b' }],
          }),
        ],
      },
      { host: 'other.test', routes: [route('other', { path: { type: 'Prefix', value: '/' } })] },
    ],
    backends: { b: localBackend([backend.port]) },
    certificates: {},
  };
}

async function status(w: TableWorker, host: string, path: string, headers = {}): Promise<number> {
  // A connection of its own per request: the point is that other connections are served.
  const res = await request(w.url(path), { headers: { host, connection: 'close', ...headers } });
  await res.body.dump();
  return res.statusCode;
}

describe('a regex built to backtrack cannot hold a worker', { timeout: 60_000 }, () => {
  let backend: Backend;
  let w: TableWorker;

  before(async () => {
    backend = await startBackend('b');
    w = await startTableWorker(regexTable(backend));
  });

  after(async () => {
    await w?.stop();
    await backend?.close();
  });

  it('serves the patterns a backtracking engine refused or hung on', async () => {
    assert.equal(await status(w, 'regex.test', '/aaaa'), 200);
    assert.equal(await status(w, 'regex.test', '/h', { 'x-token': 'aaac' }), 200);
    assert.equal(await status(w, 'regex.test', '/q?token=aab'), 200);
    assert.deepEqual(w.output().match(/path regex|header x-token|query parameter token/g), null);
  });

  it('answers near-misses at once while another connection is served', async () => {
    const crafted = [
      status(w, 'regex.test', NEAR_MISS),
      status(w, 'regex.test', '/h', { 'x-token': RUN }),
      status(w, 'regex.test', `/q?token=${RUN}`),
    ];
    const [other, ...nearMisses] = await Promise.all([status(w, 'other.test', '/'), ...crafted]);
    assert.equal(other, 200);
    // No route matches: the host has no fallback, so 404 (nginx's answer without a location).
    assert.deepEqual(nearMisses, [404, 404, 404]);
  });
});
