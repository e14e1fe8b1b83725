import assert from 'node:assert/strict';
import { it } from 'node:test';
import { settleHeap } from './heap-settle.ts';

it('settling returns the pages of freed objects to the system: the committed heap shrinks', async () => {
  // 40 MiB of objects that live long enough to reach the old generation, then become garbage.
  let garbage: Array<{ n: number; s: string }[]> | undefined = Array.from({ length: 40 }, (_, i) =>
    Array.from({ length: 20_000 }, (_, k) => ({ n: k, s: `entry ${i}/${k}` })),
  );
  await new Promise((resolve) => setTimeout(resolve, 10));
  const grown = process.memoryUsage().heapTotal;
  assert.ok(garbage.length > 0);
  garbage = undefined;
  assert.equal(settleHeap(), true);
  const settled = process.memoryUsage().heapTotal;
  assert.ok(settled < grown - 20 * 1024 * 1024, `heap total ${grown} → ${settled} bytes`);
});
