import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Backend } from '../table/types.ts';
import { BackendCompiler } from './backends.ts';
import { UpstreamPools } from './pools.ts';

function backend(addresses: string[], balancer: Backend['balancer'] = { type: 'RoundRobin' }): Backend {
  return {
    namespace: 'shop',
    service: 'api',
    protocol: 'HTTP',
    endpoints: addresses.map((address) => ({ address, port: 8080 })),
    balancer,
  };
}

/** 100 endpoints on one address, ports 1000…1099. */
const hundred: Backend = {
  namespace: 'ns',
  service: 'web',
  protocol: 'HTTP',
  balancer: { type: 'RoundRobin' },
  endpoints: Array.from({ length: 100 }, (_, i) => ({ address: '10.0.0.1', port: 1000 + i })),
};

describe('compiled backends', () => {
  it('compiling a table creates no upstream pool; an endpoint gets one on first use, then keeps it', async () => {
    const pools = new UpstreamPools();
    const compiled = new BackendCompiler({ web: hundred }, pools).get('web')!;
    assert.equal(compiled.endpoints.length, 100);
    assert.equal(pools.size, 0);
    const first = compiled.endpoints[0].pool;
    assert.equal(pools.size, 1);
    assert.equal(compiled.endpoints[0].pool, first);
    await pools.closeAll();
  });

  it('an endpoint gets its health record on first use, the same one in every table that keeps it', () => {
    const pools = new UpstreamPools();
    const first = new BackendCompiler({ api: backend(['10.0.0.1', '10.0.0.2']) }, pools).get('api')!;
    first.endpoints[0].health.ejections = 3;
    const next = new BackendCompiler({ api: backend(['10.0.0.1']) }, pools).get('api')!;
    assert.equal(next.endpoints[0].health, first.endpoints[0].health);
    assert.equal(next.endpoints[0].health.ejections, 3);
  });

  it('a swap forgets the health of endpoints the new table dropped, keeps the others', () => {
    const pools = new UpstreamPools();
    const old = new BackendCompiler({ api: backend(['10.0.0.1', '10.0.0.2']) }, pools).get('api')!;
    old.endpoints[0].health.ejections = 1;
    old.endpoints[1].health.ejections = 2;
    const compiler = new BackendCompiler({ api: backend(['10.0.0.1']) }, pools);
    compiler.get('api');
    pools.retainOnly(compiler.poolKeys);
    assert.equal(pools.health('http://10.0.0.1:8080').ejections, 1);
    assert.equal(pools.health('http://10.0.0.2:8080').ejections, 0, 'a new record');
  });

  it('a swap keeps the pools of endpoints still in the table and closes the others', async () => {
    const pools = new UpstreamPools();
    const old = new BackendCompiler({ api: backend(['127.0.0.1', '127.0.0.2']) }, pools).get('api')!;
    const kept = old.endpoints[0].pool;
    assert.notEqual(old.endpoints[1].pool, kept);
    const compiler = new BackendCompiler({ api: backend(['127.0.0.1']) }, pools);
    const next = compiler.get('api')!;
    pools.retainOnly(compiler.poolKeys);
    assert.equal(pools.size, 1);
    assert.equal(next.endpoints[0].pool, kept);
    await pools.closeAll();
  });

  it('keeps what requests read of the backend, not its raw endpoint list', () => {
    const table = { api: backend(['10.0.0.1'], { type: 'LeastRequest' }) };
    const compiled = new BackendCompiler(table, new UpstreamPools()).get('api')!;
    assert.deepEqual(compiled.backend, {
      namespace: 'shop',
      service: 'api',
      protocol: 'HTTP',
      balancer: { type: 'LeastRequest' },
      tls: undefined,
    });
    assert.deepEqual(
      compiled.endpoints.map((e) => [e.origin, e.terminating]),
      [['http://10.0.0.1:8080', false]],
    );
  });

  it('a route with its own connect timeout gets its own variant of the backend, on the same health', () => {
    const compiler = new BackendCompiler({ api: backend(['10.0.0.1']) }, new UpstreamPools());
    const plain = compiler.get('api')!;
    const slow = compiler.get('api', 250)!;
    assert.notEqual(plain, slow);
    assert.equal(compiler.get('api', 250), slow);
    assert.equal(plain.endpoints[0].health, slow.endpoints[0].health);
    assert.equal(compiler.get('missing'), undefined);
  });
});
