import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MetricFamily } from '../../../dataplane/src/table/messages.ts';
import { ScrapeRequests } from './scrape-requests.ts';

const family = (name: string): MetricFamily[] => [
  { name, help: name, type: 'gauge', aggregator: 'sum', values: [] },
];

describe('asking the workers for their metrics', () => {
  it('resolves as soon as every asked worker answered', async () => {
    const scrapes = new ScrapeRequests();
    let id = 0;
    const done = scrapes.collect((i) => {
      id = i;
      return 2;
    }, 60_000);
    scrapes.answer(id, family('a'));
    scrapes.answer(id, family('b'));
    assert.deepEqual(
      (await done).map((m) => m[0].name),
      ['a', 'b'],
    );
  });

  it('a worker silent past the deadline is left out, not fatal; its late answer is ignored', async () => {
    const scrapes = new ScrapeRequests();
    let id = 0;
    const done = scrapes.collect((i) => {
      id = i;
      return 2;
    }, 20);
    scrapes.answer(id, family('a'));
    const answers = await done;
    assert.equal(answers.length, 1);
    scrapes.answer(id, family('late'));
    assert.equal(answers.length, 1);
  });

  it('no live worker: the scrape is the primary alone, at once', async () => {
    const scrapes = new ScrapeRequests();
    assert.deepEqual(await scrapes.collect(() => 0, 60_000), []);
  });

  it('concurrent scrapes keep their answers apart', async () => {
    const scrapes = new ScrapeRequests();
    const ids: number[] = [];
    const askOne = (i: number): number => {
      ids.push(i);
      return 1;
    };
    const first = scrapes.collect(askOne, 60_000);
    const second = scrapes.collect(askOne, 60_000);
    scrapes.answer(ids[1], family('second'));
    scrapes.answer(ids[0], family('first'));
    assert.equal((await first)[0][0].name, 'first');
    assert.equal((await second)[0][0].name, 'second');
  });
});
