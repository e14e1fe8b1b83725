// What a PromQL query refers to, for checking a dashboard against the metrics Gatehouse exposes:
// the metric names it selects and the label names it matches or groups by. A small reader for the
// queries we write, not a PromQL parser: ranges, strings and numbers are set aside first.

export interface QueryReferences {
  metrics: Set<string>;
  /** Labels in a metric's own matcher braces. */
  matchers: Array<{ metric: string; label: string }>;
  /** Labels of by/without/on/ignoring clauses: each must exist on some metric of the query. */
  grouping: Set<string>;
}

const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'inf',
  'nan',
]);

export function queryReferences(query: string): QueryReferences {
  const refs: QueryReferences = { metrics: new Set(), matchers: [], grouping: new Set() };
  // label_values(metric{…}, label): Grafana's variable query.
  const labelValues = /^\s*label_values\(\s*([^,]+?)\s*,\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)\s*$/.exec(query);
  let expr = query;
  if (labelValues) {
    expr = labelValues[1];
    refs.grouping.add(labelValues[2]);
  }
  expr = expr.replace(/\[[^\]]*\]/g, ' ');
  expr = expr.replace(
    /\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g,
    (_, _kw: string, labels: string) => {
      for (const l of labels.split(',')) if (l.trim() !== '') refs.grouping.add(l.trim());
      return ' ';
    },
  );
  expr = expr.replace(
    /([a-zA-Z_:][a-zA-Z0-9_:]*)?\s*\{([^}]*)\}/g,
    (_, metric: string | undefined, body: string) => {
      const names = [
        ...body.replace(/"(?:[^"\\]|\\.)*"/g, '""').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)/g),
      ];
      if (metric === undefined) throw new Error(`selector without a metric name in: ${query}`);
      refs.metrics.add(metric);
      for (const n of names) refs.matchers.push({ metric, label: n[1] });
      return ' ';
    },
  );
  expr = expr.replace(/"(?:[^"\\]|\\.)*"/g, ' ').replace(/\b\d+(\.\d+)?(e[+-]?\d+)?\b/gi, ' ');
  for (const m of expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\()?/g)) {
    if (m[2] !== undefined || KEYWORDS.has(m[1].toLowerCase())) continue;
    refs.metrics.add(m[1]);
  }
  return refs;
}

/** Metric names and their label names, as read from an exposition. */
export type Catalog = Map<string, Set<string>>;

/** Problems of one query against the catalog: unknown metrics, unknown labels. */
export function checkQuery(query: string, catalog: Catalog): string[] {
  const problems: string[] = [];
  const refs = queryReferences(query);
  for (const metric of refs.metrics) {
    if (!catalog.has(metric)) problems.push(`unknown metric ${metric}`);
  }
  for (const { metric, label } of refs.matchers) {
    if (catalog.has(metric) && !catalog.get(metric)!.has(label))
      problems.push(`${metric} has no label ${label}`);
  }
  for (const label of refs.grouping) {
    const somewhere = [...refs.metrics].some((m) => catalog.get(m)?.has(label));
    if (!somewhere) problems.push(`no metric of the query has label ${label}`);
  }
  if (refs.metrics.size === 0) problems.push('names no metric');
  return problems;
}
