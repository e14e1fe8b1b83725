import assert from 'node:assert/strict';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { describe, it } from 'node:test';
import type { CompiledRoute } from '../compile.ts';
import type { ProxyContext } from './context.ts';
import type { ClientView } from './forwarding.ts';
import type { ExchangeEnd } from './observer.ts';
import { answeredByStages } from './stage-runner.ts';
import type { Stage } from './stages/stage.ts';

/** A request and its response with no socket: what is written stays in the response. */
function exchange(): { req: IncomingMessage; res: ServerResponse } {
  const req = new IncomingMessage(new Socket());
  req.method = 'GET';
  req.headers = {};
  return { req, res: new ServerResponse(req) };
}

function context(): { ctx: ProxyContext; ends: Array<Pick<ExchangeEnd, 'status' | 'refusal'>> } {
  const ends: Array<Pick<ExchangeEnd, 'status' | 'refusal'>> = [];
  const ctx = {
    observer: {
      sampleRate: 0,
      onExchangeEnd: (e: ExchangeEnd) => ends.push({ status: e.status, refusal: e.refusal }),
    },
    log: { warn() {}, debug() {} },
  } as unknown as ProxyContext;
  return { ctx, ends };
}

const route = (stages: Stage[]) => ({ route: { id: 'r' }, stages }) as unknown as CompiledRoute;
const view = { address: '192.0.2.1' } as ClientView;
const pass: Stage = { refusal: undefined, upgrades: true, check: () => 0 };
const refuse: Stage = { refusal: 'client_address', upgrades: true, check: () => 403 };
const later = (verdict: number): Stage => ({
  refusal: 'client_address',
  upgrades: true,
  check: () => Promise.resolve(verdict),
});

describe('answeredByStages', () => {
  it('synchronous stages give a plain boolean, never a Promise', () => {
    const { ctx, ends } = context();
    const { req, res } = exchange();
    assert.equal(answeredByStages(ctx, req, res, route([pass, pass]), view, 0), false);
    assert.deepEqual(ends, []);
  });

  it('the first stage that answers ends the request: its status is sent and reported with its refusal', () => {
    const { ctx, ends } = context();
    const { req, res } = exchange();
    let ranAfter = false;
    const after: Stage = {
      refusal: undefined,
      upgrades: true,
      check: () => {
        ranAfter = true;
        return 0;
      },
    };
    assert.equal(answeredByStages(ctx, req, res, route([pass, refuse, after]), view, 0), true);
    assert.equal(res.statusCode, 403);
    assert.ok(res.writableEnded);
    assert.equal(ranAfter, false, 'no stage after the one that answered runs');
    assert.deepEqual(ends, [{ status: 403, refusal: 'client_address' }]);
  });

  it('a stage that answers itself (a preflight) is not answered twice, and a 2xx is no refusal', () => {
    const { ctx, ends } = context();
    const { req, res } = exchange();
    const preflight: Stage = {
      refusal: 'client_address',
      upgrades: false,
      check: (_req, r) => {
        r!.writeHead(204, { 'access-control-allow-origin': '*' });
        r!.end();
        return 204;
      },
    };
    assert.equal(answeredByStages(ctx, req, res, route([preflight]), view, 0), true);
    assert.equal(res.statusCode, 204);
    assert.equal(res.destroyed, false, 'a second answer on a sent response would destroy it');
    assert.deepEqual(ends, [{ status: 204, refusal: undefined }]);
  });

  it('a stage that answered is not answered twice on a response without writableEnded (the HTTP/2 exchange)', () => {
    const { ctx } = context();
    const { req, res } = exchange();
    // http2/exchange.ts stands in for a ServerResponse: headersSent and destroyed, no writableEnded.
    Object.defineProperty(res, 'writableEnded', { value: undefined });
    const challenge: Stage = {
      refusal: 'basic_auth',
      upgrades: true,
      check: (_req, r) => {
        r!.writeHead(401, { 'www-authenticate': 'Basic realm="x"' });
        r!.end();
        return 401;
      },
    };
    assert.equal(answeredByStages(ctx, req, res, route([challenge]), view, 0), true);
    assert.equal(res.statusCode, 401);
    assert.equal(res.destroyed, false, 'a second answer on a sent response would destroy it');
  });

  it('an asynchronous stage is awaited, then the stages after it run', async () => {
    const { ctx, ends } = context();
    const { req, res } = exchange();
    const pending = answeredByStages(ctx, req, res, route([later(0), refuse]), view, 0);
    assert.ok(pending instanceof Promise);
    assert.equal(await pending, true);
    assert.deepEqual(ends, [{ status: 403, refusal: 'client_address' }]);
  });

  it('an asynchronous stage that lets the request go on resolves false', async () => {
    const { ctx } = context();
    const { req, res } = exchange();
    assert.equal(await answeredByStages(ctx, req, res, route([pass, later(0), pass]), view, 0), false);
  });

  it('a failed asynchronous stage answers 500, as nginx does for a failed auth_request', async () => {
    const { ctx, ends } = context();
    const { req, res } = exchange();
    const broken: Stage = {
      refusal: undefined,
      upgrades: true,
      check: () => Promise.reject(new Error('down')),
    };
    assert.equal(await answeredByStages(ctx, req, res, route([broken]), view, 0), true);
    assert.equal(res.statusCode, 500);
    assert.deepEqual(ends, [{ status: 500, refusal: undefined }]);
  });
});
