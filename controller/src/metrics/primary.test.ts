import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { RouteTable } from '../../../dataplane/src/table/types.ts';
import { createPrimaryMetrics } from './primary.ts';

const certPem = readFileSync(new URL('../../../test/metrics/fixtures/shop-tls.crt', import.meta.url), 'utf8');

function table(version: number, endpoints: Array<{ address: string; terminating?: boolean }>): RouteTable {
  return {
    version,
    hosts: [
      {
        host: 'shop.test',
        routes: [
          {
            id: 'r1',
            source: { kind: 'Ingress', namespace: 'team', name: 'shop' },
            match: { path: { type: 'Prefix', value: '/' } },
            backends: [{ backend: 'b', weight: 1 }],
            filters: [],
          },
        ],
        fallback: undefined,
      },
    ],
    backends: {
      b: {
        namespace: 'team',
        service: 'app',
        protocol: 'HTTP',
        endpoints: endpoints.map((e) => ({ port: 80, ...e })),
        balancer: { type: 'RoundRobin' },
      },
    },
    certificates: { 'secret/team/shop-tls': { certPem, keyPem: '', source: 'secret/team/shop-tls' } },
  };
}

async function text(metrics: ReturnType<typeof createPrimaryMetrics>): Promise<string> {
  return (await metrics.scrape(undefined, async () => [])).body;
}

describe("the primary's metrics", () => {
  it('last apply is a success only once every worker applied the pushed version', async () => {
    const m = createPrimaryMetrics();
    m.onTablePushed(table(5, [{ address: '10.0.0.1' }]));
    m.onRejected(2, 5);
    m.onApplied(1, 5, 3);
    assert.match(await text(m), /^gatehouse_config_last_apply_success 0$/m);
    m.onApplied(2, 5, 4);
    assert.match(await text(m), /^gatehouse_config_last_apply_success 1$/m);
    assert.match(await text(m), /^gatehouse_config_errors_total\{kind="RouteTable"\} 1$/m);
    assert.match(await text(m), /^gatehouse_config_version 5$/m);
    assert.match(await text(m), /^gatehouse_config_apply_duration_seconds_count 2$/m);
  });

  it('a refusal of an older version does not mark the newest as failed', async () => {
    const m = createPrimaryMetrics();
    m.onTablePushed(table(6, []));
    m.onRejected(1, 5);
    m.onApplied(1, 6, 1);
    assert.match(await text(m), /^gatehouse_config_last_apply_success 1$/m);
  });

  it('endpoints are counted by state and recomputed from each table', async () => {
    const m = createPrimaryMetrics();
    m.onTablePushed(table(1, [{ address: '10.0.0.1' }, { address: '10.0.0.2', terminating: true }]));
    let body = await text(m);
    assert.match(body, /^gatehouse_endpoints\{namespace="team",service="app",state="ready"\} 1$/m);
    assert.match(body, /^gatehouse_endpoints\{namespace="team",service="app",state="terminating"\} 1$/m);
    m.onTablePushed(table(2, []));
    body = await text(m);
    assert.match(body, /^gatehouse_endpoints\{namespace="team",service="app",state="ready"\} 0$/m);
    assert.match(body, /^gatehouse_routes 1$/m);
  });

  it("each secret's certificate expiry is its notAfter", async () => {
    const m = createPrimaryMetrics();
    m.onTablePushed(table(1, []));
    const notAfter = Math.floor(
      new (await import('node:crypto')).X509Certificate(certPem).validToDate.getTime() / 1000,
    );
    assert.match(
      await text(m),
      new RegExp(
        `^gatehouse_tls_certificate_expiry_timestamp_seconds\\{namespace="team",secret="shop-tls"\\} ${notAfter}$`,
        'm',
      ),
    );
  });

  it('diagnostics count by the kind of object left out; restarts are counted', async () => {
    const m = createPrimaryMetrics();
    m.onDiagnostics([
      { object: { kind: 'Ingress', name: 'a' }, reason: 'X', message: 'x' },
      { object: { kind: 'Secret', name: 'b' }, reason: 'Y', message: 'y' },
      { object: { kind: 'Ingress', name: 'c' }, reason: 'Z', message: 'z' },
    ]);
    m.onWorkerRestart(1);
    const body = await text(m);
    assert.match(body, /^gatehouse_config_errors_total\{kind="Ingress"\} 2$/m);
    assert.match(body, /^gatehouse_config_errors_total\{kind="Secret"\} 1$/m);
    assert.match(body, /^gatehouse_worker_restarts_total 1$/m);
  });

  it('cluster mode adds leadership and the watch counters, read at scrape time', async () => {
    const m = createPrimaryMetrics();
    let leading = false;
    const stats = { events: { ADDED: 2, MODIFIED: 0 }, restarts: { gone: 1, error: 2 } };
    let secretWatches = 0;
    m.observeCluster({
      isLeader: () => leading,
      watchStats: () => ({ ingresses: stats }),
      secretWatches: () => secretWatches,
    });
    assert.match(await text(m), /^gatehouse_leader 0$/m);
    leading = true;
    stats.events.ADDED = 5;
    const body = await text(m);
    assert.match(body, /^gatehouse_leader 1$/m);
    assert.match(body, /^gatehouse_watch_events_total\{kind="ingresses",type="ADDED"\} 5$/m);
    assert.match(body, /^gatehouse_watch_restarts_total\{kind="ingresses"\} 3$/m);
    assert.match(body, /^gatehouse_secret_watches 0$/m);
    secretWatches = 7;
    assert.match(await text(m), /^gatehouse_secret_watches 7$/m);
  });

  it('standalone mode has no cluster metrics', async () => {
    assert.doesNotMatch(await text(createPrimaryMetrics()), /gatehouse_leader|gatehouse_watch_/);
  });
});
