// A RoutePolicy's rateLimit (statusCode, burst) in the table's RateLimit: compiled once, answered by the stage.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClientView } from '../proxy/forwarding.ts';
import { requestRateStage } from '../proxy/stages/rate-limit.ts';
import type { StagedRoute } from '../proxy/stages/stage.ts';
import { compileRateLimit } from './compile.ts';

const route = (rateLimit: ReturnType<typeof compileRateLimit>): StagedRoute => ({
  maxRequestBodyBytes: undefined,
  clientAccess: undefined,
  cors: undefined,
  basicAuth: undefined,
  externalAuth: undefined,
  rateLimit,
  clientCertificate: undefined,
  satisfyAny: false,
});
const view = { address: '10.0.0.1' } as ClientView;

describe('compileRateLimit status and burst', () => {
  it('answers 503 unless the table names a status (ingress-nginx limit-req-status-code)', () => {
    const limit = compileRateLimit(
      { zone: 'z', rps: 1, burstMultiplier: 5 },
      undefined,
      undefined,
      new Map(),
      [],
    );
    assert.equal(limit?.status, 503);
    assert.equal(requestRateStage(route(limit))?.check({} as never, undefined, view), 503);
  });

  it('answers the table statusCode (a RoutePolicy answers 429, RFC 6585 §4)', () => {
    const limit = compileRateLimit(
      { zone: 'z', rps: 1, burstMultiplier: 5, statusCode: 429 },
      undefined,
      undefined,
      new Map(),
      [],
    );
    assert.equal(limit?.status, 429);
    assert.equal(requestRateStage(route(limit))?.check({} as never, undefined, view), 429);
  });

  it('an explicit burst replaces multiplier × rps, 0 included (nginx burst=0)', () => {
    const of = (burst?: number) =>
      compileRateLimit(
        burst === undefined
          ? { zone: 'z', rps: 4, burstMultiplier: 5 }
          : { zone: 'z', rps: 4, burstMultiplier: 5, burst },
        undefined,
        undefined,
        new Map(),
        [],
      )?.budget?.buckets[0]?.burst;
    assert.equal(of(), 20);
    assert.equal(of(7), 7);
    assert.equal(of(0), 0);
  });
});
