import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileExternalAuth } from '../../auth/external.ts';
import { compileRateLimit } from '../../limits/compile.ts';
import { compileBasicAuth } from '../basic-auth.ts';
import { compileClientAccess } from '../client-access.ts';
import { compileClientCertificate } from '../client-certificate.ts';
import { compileCors } from '../cors.ts';
import { compileStages, NO_ROUTE_STAGES } from './build.ts';
import type { StagedRoute } from './stage.ts';

const access = compileClientAccess(
  { rules: [{ action: 'allow', cidrs: ['10.0.0.0/8'] }], otherwise: 'deny' },
  new Map(),
  [],
);
const cors = compileCors({
  allowOrigins: ['*'],
  allowMethods: 'GET',
  allowHeaders: 'X-Custom',
  allowCredentials: false,
  maxAgeSeconds: 60,
});
const none: StagedRoute = {
  maxRequestBodyBytes: undefined,
  clientAccess: undefined,
  cors: undefined,
  basicAuth: undefined,
  externalAuth: undefined,
  rateLimit: undefined,
  clientCertificate: undefined,
  satisfyAny: false,
};
const externalAuth = compileExternalAuth(
  { backend: 'auth', path: '/check', hostname: 'auth.test' },
  undefined,
);
// limit-rps, limit-connections and global-rate-limit all set (nginx's preaccess phase, then the global throttle).
const rateLimit = compileRateLimit(
  { zone: 'ns/app', rps: 1, burstMultiplier: 5, connections: 2 },
  { zone: 'ns/app', limit: 10, windowSeconds: 60 },
  undefined,
  new Map(),
  [],
);
const clientCertificate = compileClientCertificate({
  caPem: 'x',
  verify: 'on',
  depth: 1,
  passCertificate: false,
});
const basicAuth = compileBasicAuth({ realm: 'r', users: [{ user: 'u', hash: '{PLAIN}p' }] });

function kinds(route: StagedRoute): { stages: string[]; upgrades: string[] } {
  const { stages, upgradeStages } = compileStages(route);
  return {
    stages: stages.map((s) => s.constructor.name),
    upgrades: upgradeStages.map((s) => s.constructor.name),
  };
}

describe('compileStages', () => {
  it('a route without filters shares the one empty stage list: it allocates and runs nothing', () => {
    assert.equal(compileStages(none), NO_ROUTE_STAGES);
    assert.equal(NO_ROUTE_STAGES.stages.length, 0);
  });

  it('keeps nginx phase order: body size, limits (503, 429), access (403), the CORS preflight (204), then auth_basic (401), auth_request', () => {
    assert.deepEqual(
      kinds({
        maxRequestBodyBytes: 10,
        clientAccess: access,
        cors,
        basicAuth,
        externalAuth,
        rateLimit,
        clientCertificate,
        satisfyAny: false,
      }),
      {
        stages: [
          'ClientCertificateStage',
          'BodySizeStage',
          'RequestRateStage',
          'ConnectionStage',
          'GlobalRateStage',
          'ClientAccessStage',
          'CorsPreflightStage',
          'BasicAuthStage',
          'ExternalAuthStage',
        ],
        upgrades: [
          'ClientCertificateStage',
          'RequestRateStage',
          'ConnectionStage',
          'GlobalRateStage',
          'ClientAccessStage',
          'BasicAuthStage',
          'ExternalAuthStage',
        ],
      },
    );
  });

  it('an upgrade meets the access rules but never a preflight or a body limit', () => {
    assert.deepEqual(kinds({ ...none, cors }), { stages: ['CorsPreflightStage'], upgrades: [] });
    assert.deepEqual(kinds({ ...none, maxRequestBodyBytes: 1 }), { stages: ['BodySizeStage'], upgrades: [] });
    assert.deepEqual(kinds({ ...none, clientAccess: access }), {
      stages: ['ClientAccessStage'],
      upgrades: ['ClientAccessStage'],
    });
  });

  it('the access stage refuses outside the allow list with 403, labelled client_address', () => {
    const [stage] = compileStages({ ...none, clientAccess: access }).stages;
    const view = (address: string) => ({ address }) as never;
    assert.equal(stage.check({} as never, undefined, view('10.1.2.3')), 0);
    assert.equal(stage.check({} as never, undefined, view('192.0.2.1')), 403);
    assert.equal(stage.refusal, 'client_address');
  });

  it("satisfy any: the address rules and the auth become one stage in the auth's place; alone, either keeps its own", () => {
    assert.deepEqual(
      kinds({ ...none, clientAccess: access, cors, basicAuth, externalAuth, satisfyAny: true }),
      {
        stages: ['CorsPreflightStage', 'SatisfyAnyStage'],
        upgrades: ['SatisfyAnyStage'],
      },
    );
    assert.deepEqual(kinds({ ...none, clientAccess: access, satisfyAny: true }).stages, [
      'ClientAccessStage',
    ]);
    assert.deepEqual(kinds({ ...none, basicAuth, satisfyAny: true }).stages, ['BasicAuthStage']);
  });

  it('satisfy any: an allowed address needs no credentials; elsewhere the credentials let it on, else 401', () => {
    const [stage] = compileStages({ ...none, clientAccess: access, basicAuth, satisfyAny: true }).stages;
    const view = (address: string) => ({ address }) as never;
    const request = (authorization?: string) =>
      ({ headers: authorization === undefined ? {} : { authorization } }) as never;
    const good = `Basic ${Buffer.from('u:p').toString('base64')}`;
    assert.equal(stage.check(request(), undefined, view('10.1.2.3')), 0);
    assert.equal(stage.check(request(good), undefined, view('192.0.2.1')), 0);
    assert.equal(stage.check(request(), undefined, view('192.0.2.1')), 401);
    assert.equal(stage.refusal, 'basic_auth');
  });
});
