import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Backend } from '../table/types.ts';
import { BackendCompiler } from './backends.ts';
import { UpstreamPools } from './pools.ts';

const backend: Backend = {
  namespace: 'ns',
  service: 'web',
  protocol: 'HTTP',
  balancer: { type: 'RoundRobin' },
  endpoints: Array.from({ length: 100 }, (_, i) => ({ address: '10.0.0.1', port: 1000 + i })),
};

describe('compiled backends', () => {
  it('compiling a table creates no upstream pool; an endpoint gets one on first use, then keeps it', async () => {
    const pools = new UpstreamPools();
    const compiled = new BackendCompiler({ web: backend }, pools).get('web')!;
    assert.equal(compiled.endpoints.length, 100);
    assert.equal(pools.size, 0);
    const first = compiled.endpoints[0].pool;
    assert.equal(pools.size, 1);
    assert.equal(compiled.endpoints[0].pool, first);
    await pools.closeAll();
  });
});
