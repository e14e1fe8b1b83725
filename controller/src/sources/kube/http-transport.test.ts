import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { RESOURCES } from './access.ts';
import { httpTransport, watchEvents } from './http-transport.ts';
import { KubeHttp } from './kube-http.ts';
import { ApiError, type WatchEvent } from './transport.ts';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;
let handler: Handler = (_req, res) => res.end();
const seen: Array<{ method?: string; url: string; authorization?: string; userAgent?: string }> = [];
const server = http.createServer((req, res) => {
  seen.push({
    method: req.method,
    url: req.url ?? '',
    authorization: req.headers.authorization,
    userAgent: req.headers['user-agent'],
  });
  handler(req, res);
});
let client: KubeHttp;

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const kc = new KubeConfig();
  const { port } = server.address() as AddressInfo;
  kc.loadFromOptions({
    clusters: [{ name: 'local', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: 'me', token: 't0k' }],
    contexts: [{ name: 'ctx', cluster: 'local', user: 'me' }],
    currentContext: 'ctx',
  });
  client = new KubeHttp(kc);
});
after(() => {
  client.close();
  server.closeAllConnections();
  server.close();
});

async function collect(it: AsyncIterable<WatchEvent>): Promise<WatchEvent[]> {
  const out: WatchEvent[] = [];
  for await (const e of it) out.push(e);
  return out;
}

test('LIST sends the bearer token and query, and returns items, resourceVersion and continue', async () => {
  handler = (_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(
      JSON.stringify({
        metadata: { resourceVersion: '42', continue: 'abc' },
        items: [{ metadata: { name: 'a' } }],
      }),
    );
  };
  const t = httpTransport(client);
  const page = await t.list(
    { resource: RESOURCES.secrets, namespace: 'team' },
    { limit: '2', fieldSelector: 'metadata.name=site-tls,type=kubernetes.io/tls' },
    AbortSignal.timeout(2000),
  );
  assert.deepEqual(page, { items: [{ metadata: { name: 'a' } }], resourceVersion: '42', continue: 'abc' });
  const last = seen.at(-1)!;
  assert.equal(last.authorization, 'Bearer t0k');
  assert.equal(last.method, 'GET');
  assert.equal(last.userAgent, 'gatehouse', 'audit logs tell our requests from anyone else on the token');
  assert.equal(
    last.url,
    '/api/v1/namespaces/team/secrets?limit=2&fieldSelector=metadata.name%3Dsite-tls%2Ctype%3Dkubernetes.io%2Ftls',
  );
});

test('a WATCH adds watch=true and yields events split across chunks, ending when the server ends', async () => {
  handler = (_req, res) => {
    res.write('{"type":"ADDED","object":{"metadata":{"name":"a"}}}\n{"type":"BOOK');
    setImmediate(() => res.end('MARK","object":{"metadata":{"resourceVersion":"9"}}}\n'));
  };
  const events = await collect(
    await httpTransport(client).watch(
      { resource: RESOURCES.services, namespace: 'team' },
      { resourceVersion: '5' },
      AbortSignal.timeout(2000),
    ),
  );
  assert.deepEqual(
    events.map((e) => e.type),
    ['ADDED', 'BOOKMARK'],
  );
  assert.match(seen.at(-1)!.url, /^\/api\/v1\/namespaces\/team\/services\?resourceVersion=5&watch=true$/);
});

test('a non-2xx answer rejects with ApiError carrying the status and the Status reason', async () => {
  for (const [code, reason] of [
    [410, 'Expired'],
    [403, 'Forbidden'],
  ] as const) {
    handler = (_req, res) => {
      res.statusCode = code;
      res.end(JSON.stringify({ kind: 'Status', code, reason, message: `${reason} message` }));
    };
    await assert.rejects(
      httpTransport(client).watch({ resource: RESOURCES.services }, {}, AbortSignal.timeout(2000)),
      (err: unknown) => err instanceof ApiError && err.status === code && err.reason === reason,
    );
  }
});

test('a connection cut mid-stream makes the iteration throw (not end cleanly)', async () => {
  handler = (req, res) => {
    res.write('{"type":"ADDED","object":{"metadata":{"name":"a"}}}\n');
    setImmediate(() => req.socket.destroy());
  };
  const it = await httpTransport(client).watch(
    { resource: RESOURCES.services },
    {},
    AbortSignal.timeout(2000),
  );
  await assert.rejects(collect(it));
});

test('aborting the signal ends an open watch with an error', async () => {
  handler = (_req, res) => res.write('\n');
  const ac = new AbortController();
  const it = await httpTransport(client).watch({ resource: RESOURCES.services }, {}, ac.signal);
  const done = collect(it);
  ac.abort();
  await assert.rejects(done);
});

test('a malformed line or unknown event type is an error, so the watch is restarted', async () => {
  await assert.rejects(collect(watchEvents(['{"type":"ADDED"\n'])), /malformed watch event/);
  await assert.rejects(
    collect(watchEvents(['{"type":"SURPRISE","object":{}}\n'])),
    /unknown watch event type/,
  );
  const events = await collect(watchEvents(['\n', '{"type":"DELETED","object":{}}']));
  assert.deepEqual(events, [{ type: 'DELETED', object: {} }]);
});

test('a watch line longer than the bound without its newline ends the watch instead of growing', async () => {
  const event = '{"type":"ADDED","object":{"metadata":{"name":"a"}}}\n';
  // Under the bound, split across chunks: read whole.
  assert.equal((await collect(watchEvents([event.slice(0, 10), event.slice(10)], event.length))).length, 1);
  let fed = 0;
  function* endless() {
    for (; fed < 10_000; fed++) yield '{"type":"ADDED","object":{"pad":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx';
  }
  await assert.rejects(collect(watchEvents(endless(), 4096)), /watch event over 4096 characters/);
  assert.ok(fed < 100, `stopped reading after ${fed} chunks`);
});

test('a LIST answer over the byte bound is refused, not buffered', async () => {
  const kc = new KubeConfig();
  const { port } = server.address() as AddressInfo;
  kc.loadFromOptions({
    clusters: [{ name: 'local', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: 'me', token: 't0k' }],
    contexts: [{ name: 'ctx', cluster: 'local', user: 'me' }],
    currentContext: 'ctx',
  });
  const small = new KubeHttp(kc, { maxJsonBytes: 4096 });
  try {
    const items = (n: number) =>
      JSON.stringify({ metadata: {}, items: Array.from({ length: n }, (_, i) => ({ i })) });
    handler = (req, res) =>
      res.end(items(Number(new URL(req.url ?? '', 'http://x').searchParams.get('limit'))));
    const fine = await httpTransport(small).list(
      { resource: RESOURCES.services },
      { limit: '5' },
      AbortSignal.timeout(5000),
    );
    assert.equal(fine.items.length, 5);
    await assert.rejects(
      httpTransport(small).list(
        { resource: RESOURCES.services },
        { limit: '5000' },
        AbortSignal.timeout(5000),
      ),
      /answer to list services is over 4096 bytes/,
    );
  } finally {
    small.close();
  }
});
