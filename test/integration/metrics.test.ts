// Metrics and access log through real workers: a known mix of requests on fresh connections
// (spread over the workers by SO_REUSEPORT), one scrape of the admin port, exact counts.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { parseExposition, type Sample, sampleValue, select, sum } from '../metrics/exposition.ts';
import { checkMetrics } from '../metrics/promtool.ts';
import {
  type Backend,
  type Gatehouse,
  ingress,
  ingressClass,
  ManifestDir,
  serviceFor,
  startBackend,
  startGatehouse,
  waitFor,
} from './harness.ts';

/** One request on its own connection (`connection: close`): exact bytes each way. */
async function raw(port: number, text: string): Promise<{ status: number; sent: number; received: number }> {
  const socket = connect(port, '127.0.0.1');
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  socket.write(text);
  await new Promise<void>((resolve, reject) => {
    socket.on('end', resolve);
    socket.on('error', reject);
  });
  socket.destroy();
  const response = Buffer.concat(chunks);
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(response.toString('latin1'))?.[1]);
  return { status, sent: Buffer.byteLength(text), received: response.length };
}

function requestText(method: string, host: string, path: string, body = ''): string {
  const length = body === '' ? '' : `content-length: ${Buffer.byteLength(body)}\r\n`;
  return `${method} ${path} HTTP/1.1\r\nhost: ${host}\r\nconnection: close\r\n${length}\r\n${body}`;
}

async function scrape(g: Gatehouse, accept?: string): Promise<{ type: string; body: string }> {
  const res = await request(`http://127.0.0.1:${g.adminPort}/metrics`, {
    headers: accept === undefined ? {} : { accept },
  });
  const body = await res.body.text();
  assert.equal(res.statusCode, 200, body);
  return { type: String(res.headers['content-type']), body };
}

const app = { namespace: 'team', ingress: 'shop', service: 'app' };
const empty = { namespace: 'team', ingress: 'shop', service: 'empty' };
const unmatched = { namespace: '', ingress: '', service: '' };

describe('metrics of the data plane, aggregated on the admin port', () => {
  const dir = new ManifestDir();
  let backend: Backend;
  let g: Gatehouse;
  const backendConnections: number[] = [];

  before(async () => {
    backend = await startBackend('app', (req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(`hello ${req.method}\n`);
      });
    });
    backend.server.on('connection', (s) => backendConnections.push(s.remotePort ?? 0));
    dir.write('objects.yaml', [
      ingressClass(),
      ...serviceFor('team', 'app', [backend]),
      ...serviceFor('team', 'empty', [{ port: 9 }], false),
      ingress('team', 'shop', [
        {
          host: 'shop.test',
          paths: [
            { path: '/app', service: 'app' },
            { path: '/empty', service: 'empty' },
          ],
        },
      ]),
    ]);
    g = await startGatehouse(dir.dir, { workers: 2, args: ['--access-log'] });
    await g.waitReady();
  });

  after(async () => {
    await g?.stop();
    await backend?.close();
    dir.cleanup();
  });

  let samples: Sample[] = [];
  const appBytes = { sent: 0, received: 0 };

  it('counts a known mix exactly: 7+1 to a route, 3 unmatched, 2 without endpoints', async () => {
    type Call = [method: string, host: string, path: string, body: string, status: number, toApp: boolean];
    const times = (n: number, call: Call): Call[] => Array.from({ length: n }, () => call);
    const mix: Call[] = [
      ...times(7, ['GET', 'shop.test', '/app', '', 200, true]),
      ['POST', 'shop.test', '/app', 'x'.repeat(1000), 200, true],
      ...times(3, ['GET', 'nowhere.test', '/missing', '', 404, false]),
      ...times(2, ['GET', 'shop.test', '/empty', '', 503, false]),
    ];
    for (const [method, host, path, body, status, toApp] of mix) {
      const r = await raw(g.httpPort, requestText(method, host, path, body));
      assert.equal(r.status, status, `${method} ${host}${path}`);
      if (toApp) {
        appBytes.sent += r.sent;
        appBytes.received += r.received;
      }
    }
    const { type, body } = await scrape(g);
    assert.match(type, /^text\/plain; version=0\.0\.4/);
    samples = parseExposition(body).samples;

    const requests = (labels: object) => sampleValue(samples, 'gatehouse_requests_total', labels as never);
    assert.equal(requests({ ...app, method: 'GET', status: '2xx' }), 7);
    assert.equal(requests({ ...app, method: 'POST', status: '2xx' }), 1);
    assert.equal(requests({ ...unmatched, method: 'GET', status: '4xx' }), 3);
    assert.equal(requests({ ...empty, method: 'GET', status: '5xx' }), 2);
    assert.equal(sum(samples, 'gatehouse_requests_total'), 13, 'no other request was counted');
    assert.equal(
      sampleValue(samples, 'gatehouse_request_duration_seconds_count', {
        ...app,
        method: 'GET',
        status: '2xx',
      }),
      7,
    );
    assert.equal(sampleValue(samples, 'gatehouse_upstream_response_duration_seconds_count', app), 8);
    assert.equal(sampleValue(samples, 'gatehouse_upstream_response_duration_seconds_count', empty) ?? 0, 0);
    assert.equal(sampleValue(samples, 'gatehouse_request_size_bytes_total', app), appBytes.sent);
    assert.equal(sampleValue(samples, 'gatehouse_response_size_bytes_total', app), appBytes.received);
    assert.equal(
      sampleValue(samples, 'gatehouse_connections_total', { listener: 'http', protocol: 'http/1.1' }),
      13,
    );
  });

  it('labels are only the bounded set: no path, host or client address anywhere', () => {
    const allowed = new Set([
      'namespace',
      'ingress',
      'service',
      'method',
      'status',
      'le',
      'listener',
      'protocol',
      'reason',
      'state',
      'kind',
      'type',
      'secret',
    ]);
    for (const s of samples.filter((x) => x.name.startsWith('gatehouse_'))) {
      for (const [name, value] of Object.entries(s.labels)) {
        assert.ok(allowed.has(name), `${s.name} has label ${name}`);
        assert.doesNotMatch(value, /\/app|shop\.test|nowhere|127\.0\.0\.1/, `${s.name}{${name}="${value}"}`);
      }
    }
  });

  it('the table in force: config version applied everywhere, routes, endpoints by state', () => {
    assert.ok((sampleValue(samples, 'gatehouse_config_version') ?? 0) >= 1);
    assert.equal(sampleValue(samples, 'gatehouse_config_last_apply_success'), 1);
    assert.equal(sampleValue(samples, 'gatehouse_routes'), 2);
    assert.equal(
      sampleValue(samples, 'gatehouse_endpoints', { namespace: 'team', service: 'app', state: 'ready' }),
      1,
    );
    assert.equal(
      sampleValue(samples, 'gatehouse_endpoints', { namespace: 'team', service: 'empty', state: 'ready' }),
      0,
    );
    assert.ok((sampleValue(samples, 'gatehouse_config_apply_duration_seconds_count') ?? 0) >= 2);
    assert.equal(sampleValue(samples, 'gatehouse_worker_restarts_total'), 0);
  });

  it('process metrics are per process: the primary and each worker', () => {
    const processes = select(samples, 'process_resident_memory_bytes').map((s) => s.labels.process);
    assert.deepEqual(processes.sort(), ['primary', 'worker-1', 'worker-2']);
    // The p99 gauge comes from monitorEventLoopDelay, there from the first scrape on.
    assert.equal(select(samples, 'nodejs_eventloop_lag_p99_seconds').length, 3);
    assert.equal(select(samples, 'nodejs_active_handles_total').length, 0, 'misnamed gauge dropped');
  });

  it('several workers served the mix (each keeps its own upstream connection)', () => {
    // Sequential requests from one worker reuse one keep-alive connection to the backend.
    const upstreamPorts = new Set(backendConnections);
    assert.ok(upstreamPorts.size >= 2, `backend saw ${upstreamPorts.size} upstream connection(s)`);
  });

  it('the live exposition passes promtool check metrics', async () => {
    const { ok, findings } = checkMetrics((await scrape(g)).body);
    assert.ok(ok, findings);
  });

  it('answers OpenMetrics when the scraper asks for it by Accept', async () => {
    const accept =
      'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';
    const { type, body } = await scrape(g, accept);
    assert.match(type, /^application\/openmetrics-text; version=1\.0\.0/);
    assert.ok(body.endsWith('# EOF\n'));
    assert.match(body, /^# TYPE gatehouse_requests counter$/m);
    assert.match(body, /^gatehouse_requests_total\{[^}]*method="GET"[^}]*\} \d+$/m);
  });

  it('forwards a valid traceparent unchanged and starts one when absent; the access log joins them', async () => {
    const incoming = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    await raw(
      g.httpPort,
      `GET /app HTTP/1.1\r\nhost: shop.test\r\ntraceparent: ${incoming}\r\nconnection: close\r\n\r\n`,
    );
    await raw(g.httpPort, requestText('GET', 'shop.test', '/app?token=secret'));
    const seen = backend.seen.slice(-2).map((r) => String(r.headers.traceparent));
    assert.equal(seen[0], incoming);
    assert.match(seen[1], /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    const created = seen[1].slice(3, 35);
    const lines = await waitFor('access log lines of both requests', () => {
      const found = g
        .output()
        .split('\n')
        .filter((l) => l.startsWith('{"time"'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      const mine = found.filter((l) => l.trace_id === created || l.trace_id === incoming.slice(3, 35));
      return mine.length === 2 ? mine : undefined;
    });
    const line = lines.find((l) => l.trace_id === created)!;
    assert.equal(line.method, 'GET');
    assert.equal(line.host, 'shop.test');
    assert.equal(line.path, '/app', 'the query is not logged');
    assert.equal(line.status, 200);
    assert.equal(line.protocol, 'HTTP/1.1');
    assert.equal(line.client, '127.0.0.1');
    assert.equal(line.namespace, 'team');
    assert.equal(line.ingress, 'shop');
    assert.equal(line.service, 'app');
    assert.equal(line.upstream, `127.0.0.1:${backend.port}`);
    assert.match(String(line.request_id), /^[0-9a-f-]{36}$/);
    assert.ok((line.bytes_in as number) > 0 && (line.bytes_out as number) > 0);
    assert.ok((line.duration as number) >= (line.upstream_duration as number));
  });

  it('a scrape during load succeeds and the totals match what the clients completed', async () => {
    const before = sum(parseExposition((await scrape(g)).body).samples, 'gatehouse_requests_total');
    let completed = 0;
    let scrapes = 0;
    const until = Date.now() + 2_000;
    const client = async () => {
      while (Date.now() < until) {
        const res = await request(g.url('/app'), { headers: { host: 'shop.test' } });
        await res.body.text();
        assert.equal(res.statusCode, 200);
        completed++;
      }
    };
    const scraper = async () => {
      while (Date.now() < until) {
        const { body } = await scrape(g);
        assert.ok(parseExposition(body).samples.length > 0);
        scrapes++;
      }
    };
    await Promise.all([client(), client(), client(), client(), scraper()]);
    assert.ok(scrapes >= 2, `only ${scrapes} scrapes completed during load`);
    const afterLoad = sum(parseExposition((await scrape(g)).body).samples, 'gatehouse_requests_total');
    assert.equal(afterLoad - before, completed);
  });

  it('a worker restart is counted; the others keep their counters', async () => {
    const pids = g.workerPids();
    assert.equal(pids.length, 2);
    process.kill(pids[0], 'SIGKILL');
    await waitFor('the worker respawned', () => {
      const now = g.workerPids();
      return now.length === 2 && !now.includes(pids[0]);
    });
    await g.waitReady();
    const after = parseExposition((await scrape(g)).body).samples;
    assert.equal(sampleValue(after, 'gatehouse_worker_restarts_total'), 1);
    const total = sum(after, 'gatehouse_requests_total');
    assert.ok(total > 0, 'the surviving worker still reports its requests');
  });
});
