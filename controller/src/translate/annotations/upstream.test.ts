// ingress-nginx annotations.md#custom-timeouts, #custom-max-body-size, #backend-protocol,
// #custom-nginx-load-balancing, #custom-nginx-upstream-hashing; parsers in
// internal/ingress/annotations/{proxy,backendprotocol,loadbalancing,upstreamhashby}/main.go.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parsed } from './testing.ts';

type Case = [name: string, values: Record<string, string>, expected: unknown, invalid?: string[]];
const field = (k: string) => `metadata.annotations["nginx.ingress.kubernetes.io/${k}"]`;

describe('timeouts (proxy/main.go: Atoi seconds, ConfigMap default on error)', () => {
  const cases: Case[] = [
    ['absent: data plane defaults', {}, undefined],
    ['connect', { 'proxy-connect-timeout': '5' }, { connectMs: 5000 }],
    [
      'read → response headers and idle',
      { 'proxy-read-timeout': '1' },
      { responseHeaderMs: 1000, idleMs: 1000 },
    ],
    ['send is validated only', { 'proxy-send-timeout': '30' }, undefined],
    ['not an integer → default', { 'proxy-read-timeout': '5s' }, undefined, [field('proxy-read-timeout')]],
    ['zero → default', { 'proxy-connect-timeout': '0' }, undefined, [field('proxy-connect-timeout')]],
    ['invalid send warned', { 'proxy-send-timeout': 'x' }, undefined, [field('proxy-send-timeout')]],
  ];
  for (const [name, values, expected, invalid = []] of cases) {
    test(name, () => {
      const { result, invalid: got } = parsed(values);
      assert.deepEqual(result.route.timeouts, expected);
      assert.deepEqual(got, invalid);
    });
  }
});

describe('proxy-body-size (parser.SizeRegex; nginx client_max_body_size)', () => {
  const cases: Case[] = [
    ['absent', {}, undefined],
    ['bytes', { 'proxy-body-size': '1024' }, 1024],
    ['k', { 'proxy-body-size': '512k' }, 512 * 1024],
    ['m, any case', { 'proxy-body-size': '8M' }, 8 * 1024 ** 2],
    ['g', { 'proxy-body-size': '1g' }, 1024 ** 3],
    ['0 is unlimited', { 'proxy-body-size': '0' }, undefined],
    ['invalid → default', { 'proxy-body-size': '8 mb' }, undefined, [field('proxy-body-size')]],
    ['negative → default', { 'proxy-body-size': '-1' }, undefined, [field('proxy-body-size')]],
  ];
  for (const [name, values, expected, invalid = []] of cases) {
    test(name, () => {
      const { result, invalid: got } = parsed(values);
      assert.equal(result.route.maxRequestBodyBytes, expected);
      assert.deepEqual(got, invalid);
    });
  }
});

describe('proxy-next-upstream (+ -tries, -timeout; ConfigMap "error timeout", tries 3)', () => {
  const cases: Case[] = [
    ['absent: data plane default', {}, undefined],
    [
      'error timeout, tries 3',
      { 'proxy-next-upstream': 'error timeout' },
      { attempts: 2, on: ['connect-failure', 'reset'] },
    ],
    [
      'http_502 http_503',
      { 'proxy-next-upstream': 'http_502 http_503', 'proxy-next-upstream-tries': '2' },
      { attempts: 1, on: ['502', '503'] },
    ],
    ['off', { 'proxy-next-upstream': 'off' }, { attempts: 0, on: [] }],
    [
      'tries alone keeps the default conditions',
      { 'proxy-next-upstream-tries': '1' },
      { attempts: 0, on: ['connect-failure', 'reset'] },
    ],
    [
      'tries 0 is unlimited, capped',
      { 'proxy-next-upstream-tries': '0' },
      { attempts: 10, on: ['connect-failure', 'reset'] },
    ],
    [
      'unknown token → default',
      { 'proxy-next-upstream': 'error bogus' },
      undefined,
      [field('proxy-next-upstream')],
    ],
    [
      'a token the table cannot retry is reported and left out',
      { 'proxy-next-upstream': 'error http_404' },
      { attempts: 2, on: ['connect-failure', 'reset'] },
      [field('proxy-next-upstream')],
    ],
    [
      'invalid timeout warned',
      { 'proxy-next-upstream-timeout': 'soon' },
      undefined,
      [field('proxy-next-upstream-timeout')],
    ],
  ];
  for (const [name, values, expected, invalid = []] of cases) {
    test(name, () => {
      const { result, invalid: got } = parsed(values);
      assert.deepEqual(result.route.retry, expected);
      assert.deepEqual(got, invalid);
    });
  }
});

describe('backend-protocol (backendprotocol/main.go; any case)', () => {
  const cases: Case[] = [
    ['absent', {}, undefined],
    ['HTTP', { 'backend-protocol': 'HTTP' }, 'HTTP'],
    ['https lower case', { 'backend-protocol': 'https' }, 'HTTPS'],
    ['GRPC is h2c', { 'backend-protocol': 'GRPC' }, 'H2C'],
    ['GRPCS is h2', { 'backend-protocol': 'GRPCS' }, 'H2'],
    ['H2C', { 'backend-protocol': 'h2c' }, 'H2C'],
    ['AUTO_HTTP is HTTP', { 'backend-protocol': 'AUTO_HTTP' }, 'HTTP'],
    ['FCGI refused', { 'backend-protocol': 'FCGI' }, undefined, [field('backend-protocol')]],
    ['AJP refused', { 'backend-protocol': 'AJP' }, undefined, [field('backend-protocol')]],
    ['invalid', { 'backend-protocol': 'SPDY' }, undefined, [field('backend-protocol')]],
  ];
  for (const [name, values, expected, invalid = []] of cases) {
    test(name, () => {
      const { result, invalid: got } = parsed(values);
      assert.equal(result.backend.protocol, expected);
      assert.deepEqual(got, invalid);
    });
  }
});

describe('load-balance and upstream-hash-by', () => {
  const cases: Case[] = [
    ['absent', {}, undefined],
    ['round_robin', { 'load-balance': 'round_robin' }, { type: 'RoundRobin' }],
    ['ewma → least request', { 'load-balance': 'EWMA' }, { type: 'LeastRequest' }],
    ['invalid load-balance', { 'load-balance': 'random' }, undefined, [field('load-balance')]],
    ['$remote_addr', { 'upstream-hash-by': '$remote_addr' }, { type: 'ConsistentHash', on: 'ClientAddress' }],
    [
      '$binary_remote_addr',
      { 'upstream-hash-by': '$binary_remote_addr' },
      { type: 'ConsistentHash', on: 'ClientAddress' },
    ],
    [
      '$http_x_user',
      { 'upstream-hash-by': '$http_x_user' },
      { type: 'ConsistentHash', on: 'Header', name: 'x-user' },
    ],
    [
      '$cookie_sid',
      { 'upstream-hash-by': '$cookie_sid' },
      { type: 'ConsistentHash', on: 'Cookie', name: 'sid' },
    ],
    ['$request_uri refused', { 'upstream-hash-by': '$request_uri' }, undefined, [field('upstream-hash-by')]],
    [
      'combinations refused',
      { 'upstream-hash-by': '$host$request_uri' },
      undefined,
      [field('upstream-hash-by')],
    ],
    // upstream-hash-by-subset (annotations.md#custom-nginx-upstream-hashing, upstreamhashby/main.go:
    // the size is an int, 0 or unparsable → 3; balancer/chashsubset.lua hashes to a subset).
    [
      'subset: default size 3',
      { 'upstream-hash-by': '$http_x_user', 'upstream-hash-by-subset': 'true' },
      { type: 'ConsistentHash', on: 'Header', name: 'x-user', subsetSize: 3 },
    ],
    [
      'subset with a size',
      {
        'upstream-hash-by': '$remote_addr',
        'upstream-hash-by-subset': 'true',
        'upstream-hash-by-subset-size': '5',
      },
      { type: 'ConsistentHash', on: 'ClientAddress', subsetSize: 5 },
    ],
    [
      'subset size 0 is the default 3 (as GetIntAnnotation 0)',
      {
        'upstream-hash-by': '$remote_addr',
        'upstream-hash-by-subset': 'true',
        'upstream-hash-by-subset-size': '0',
      },
      { type: 'ConsistentHash', on: 'ClientAddress', subsetSize: 3 },
    ],
    [
      'subset size not a positive integer: reported, 3',
      {
        'upstream-hash-by': '$remote_addr',
        'upstream-hash-by-subset': 'true',
        'upstream-hash-by-subset-size': 'three',
      },
      { type: 'ConsistentHash', on: 'ClientAddress', subsetSize: 3 },
      [field('upstream-hash-by-subset-size')],
    ],
    [
      'subset size negative: reported, 3',
      {
        'upstream-hash-by': '$remote_addr',
        'upstream-hash-by-subset': 'true',
        'upstream-hash-by-subset-size': '-2',
      },
      { type: 'ConsistentHash', on: 'ClientAddress', subsetSize: 3 },
      [field('upstream-hash-by-subset-size')],
    ],
    [
      'subset "false": plain consistent hash, the size unused',
      {
        'upstream-hash-by': '$remote_addr',
        'upstream-hash-by-subset': 'false',
        'upstream-hash-by-subset-size': '5',
      },
      { type: 'ConsistentHash', on: 'ClientAddress' },
    ],
    [
      'subset not a boolean: reported, plain consistent hash',
      { 'upstream-hash-by': '$remote_addr', 'upstream-hash-by-subset': 'yes' },
      { type: 'ConsistentHash', on: 'ClientAddress' },
      [field('upstream-hash-by-subset')],
    ],
    ['subset without upstream-hash-by does nothing', { 'upstream-hash-by-subset': 'true' }, undefined],
    [
      'hash-by wins over load-balance',
      { 'upstream-hash-by': '$remote_addr', 'load-balance': 'ewma' },
      { type: 'ConsistentHash', on: 'ClientAddress' },
    ],
  ];
  for (const [name, values, expected, invalid = []] of cases) {
    test(name, () => {
      const { result, invalid: got } = parsed(values);
      assert.deepEqual(result.backend.balancer, expected);
      assert.deepEqual(got, invalid);
    });
  }
});

// proxy-request-buffering (annotations.md#custom-timeouts; proxy/main.go validates
// ValidateOptions([]string{"on", "off"}, true, true): case-sensitive). Validated only: Gatehouse
// streams every body (the catalog states the difference), so the value changes no setting.
describe('proxy-request-buffering (validated: on, off)', () => {
  const cases: Case[] = [
    ['on', { 'proxy-request-buffering': 'on' }, []],
    ['off', { 'proxy-request-buffering': 'off' }, []],
    ['spaces trimmed', { 'proxy-request-buffering': ' off ' }, []],
    [
      '"On" is invalid (case-sensitive)',
      { 'proxy-request-buffering': 'On' },
      [field('proxy-request-buffering')],
    ],
    ['"yes" is invalid', { 'proxy-request-buffering': 'yes' }, [field('proxy-request-buffering')]],
  ];
  for (const [name, values, invalid] of cases) {
    test(name, () => {
      const { result, invalid: got } = parsed(values);
      assert.deepEqual(got, invalid);
      assert.deepEqual(result, parsed({}).result);
    });
  }
});
