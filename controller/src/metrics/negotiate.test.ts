import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { negotiateFormat } from './negotiate.ts';

describe('exposition format by Accept', () => {
  const cases: Array<[string, string | undefined, string]> = [
    ['no Accept (curl)', undefined, 'prometheus'],
    ['*/*', '*/*', 'prometheus'],
    ['plain text', 'text/plain;version=0.0.4', 'prometheus'],
    [
      'what Prometheus 2.x/3.x sends',
      'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1',
      'openmetrics',
    ],
    ['OpenMetrics ranked below text', 'application/openmetrics-text;q=0.3, text/plain;q=0.9', 'prometheus'],
    ['OpenMetrics refused with q=0', 'application/openmetrics-text;q=0, */*', 'prometheus'],
    ['OpenMetrics alone', 'Application/OpenMetrics-Text; version=1.0.0', 'openmetrics'],
  ];
  for (const [what, accept, format] of cases) {
    it(`${what} gets ${format}`, () => assert.equal(negotiateFormat(accept), format));
  }
});
