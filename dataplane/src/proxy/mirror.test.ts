import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CompiledBackend } from '../upstream/balancer.ts';
import {
  type CompiledMirror,
  compileMirror,
  MIRROR_BODY_OVERFLOW,
  MIRROR_CANCELLED,
  mirrorHeaders,
  mirrorOutcome,
} from './mirror.ts';

const backend = {} as CompiledBackend;

function mirror(body?: boolean, hostname?: string): CompiledMirror {
  return compileMirror({ type: 'RequestMirror', backend: 'm', body, hostname }, backend);
}

const sent = [
  'Host',
  'app.test',
  'content-length',
  '5',
  'x-forwarded-for',
  '10.0.0.1',
  'via',
  '1.1 gatehouse-x',
];

describe('a mirrored copy', () => {
  it('carries the body by default, as Gateway API and ingress-nginx mirror-request-body', () => {
    assert.equal(mirror().body, true);
    assert.equal(mirror(false).body, false);
  });

  const cases: Array<{ rule: string; mirror: CompiledMirror; expected: string[] }> = [
    {
      rule: 'by default the headers sent upstream, Host included, unchanged',
      mirror: mirror(),
      expected: sent,
    },
    {
      rule: 'a hostname replaces Host (ingress-nginx mirror-host), whatever its case',
      mirror: mirror(true, 'shadow.test'),
      expected: [
        'content-length',
        '5',
        'x-forwarded-for',
        '10.0.0.1',
        'via',
        '1.1 gatehouse-x',
        'host',
        'shadow.test',
      ],
    },
    {
      rule: 'without its body it drops the body framing (mirror-request-body off)',
      mirror: mirror(false),
      expected: ['Host', 'app.test', 'x-forwarded-for', '10.0.0.1', 'via', '1.1 gatehouse-x'],
    },
  ];
  for (const c of cases) {
    it(c.rule, () => assert.deepEqual(mirrorHeaders([...sent], c.mirror), c.expected));
  }

  it('drops Transfer-Encoding with the body too', () => {
    assert.deepEqual(mirrorHeaders(['host', 'a', 'Transfer-Encoding', 'chunked'], mirror(false)), [
      'host',
      'a',
    ]);
  });

  it('counts the proxy’s own aborts apart from the mirror’s failures', () => {
    assert.equal(mirrorOutcome(Object.assign(new Error('x'), { code: MIRROR_BODY_OVERFLOW })), 'overflow');
    assert.equal(mirrorOutcome(Object.assign(new Error('x'), { code: MIRROR_CANCELLED })), 'cancelled');
    assert.equal(mirrorOutcome(Object.assign(new Error('x'), { code: 'ECONNREFUSED' })), 'error');
    assert.equal(mirrorOutcome(Object.assign(new Error('x'), { code: 'UND_ERR_HEADERS_TIMEOUT' })), 'error');
  });
});
