// The catalog of every metric name (with _bucket/_sum/_count) and its labels, from the sample
// exposition of test/metrics/sample.ts.
import { exposition } from '../../controller/src/metrics/aggregate.ts';
import { parseExposition } from './exposition.ts';
import type { Catalog } from './promql.ts';
import { sampleFamilies } from './sample.ts';

export async function catalog(): Promise<{ catalog: Catalog; families: Set<string> }> {
  const { body } = await exposition(await sampleFamilies(), 'prometheus');
  const { samples, types } = parseExposition(body);
  const names: Catalog = new Map();
  for (const s of samples) {
    let labels = names.get(s.name);
    if (labels === undefined) {
      labels = new Set();
      names.set(s.name, labels);
    }
    for (const l of Object.keys(s.labels)) labels.add(l);
  }
  return { catalog: names, families: new Set(types.keys()) };
}
