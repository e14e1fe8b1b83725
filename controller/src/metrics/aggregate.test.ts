import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MetricFamily } from '../../../dataplane/src/table/messages.ts';
import { exposition, prepare } from './aggregate.ts';

function requests(n: number): MetricFamily {
  return {
    name: 'gatehouse_requests_total',
    help: 'Requests.',
    type: 'counter',
    aggregator: 'sum',
    values: [{ value: n, labels: { method: 'GET', status: '2xx' } }],
  };
}

function lag(process: string, seconds: number): MetricFamily {
  return {
    name: 'nodejs_eventloop_lag_seconds',
    help: 'Lag.',
    type: 'gauge',
    aggregator: 'average',
    values: [{ value: seconds, labels: { process } }],
  };
}

describe('aggregating the processes into one exposition', () => {
  it('request counters of several workers add up', async () => {
    const { body } = await exposition([[requests(3)], [requests(4)]], 'prometheus');
    assert.match(body, /^gatehouse_requests_total\{method="GET",status="2xx"\} 7$/m);
  });

  it('process metrics keep one series per process instead of being averaged', async () => {
    const { body } = await exposition([[lag('worker-1', 0.01)], [lag('worker-2', 0.03)]], 'prometheus');
    assert.match(body, /^nodejs_eventloop_lag_seconds\{process="worker-1"\} 0\.01$/m);
    assert.match(body, /^nodejs_eventloop_lag_seconds\{process="worker-2"\} 0\.03$/m);
  });

  it("prom-client's gauges named *_total are left out", () => {
    const misnamed: MetricFamily = { ...lag('primary', 1), name: 'nodejs_active_handles_total' };
    assert.deepEqual(
      prepare([misnamed, requests(1)]).map((f) => f.name),
      ['gatehouse_requests_total'],
    );
  });

  it('OpenMetrics names the counter family without _total and its samples with it, once', async () => {
    const { contentType, body } = await exposition([[requests(2)], [requests(1)]], 'openmetrics');
    assert.match(contentType, /^application\/openmetrics-text; version=1\.0\.0/);
    assert.match(body, /^# TYPE gatehouse_requests counter$/m);
    assert.match(body, /^gatehouse_requests_total\{method="GET",status="2xx"\} 3$/m);
    assert.doesNotMatch(body, /_total_total/);
    assert.ok(body.endsWith('# EOF\n'));
  });

  it('the classic format says so in its content type', async () => {
    const { contentType } = await exposition([[requests(1)]], 'prometheus');
    assert.equal(contentType, 'text/plain; version=0.0.4; charset=utf-8');
  });
});
