// nginx ngx_http_access_module semantics (first matching rule decides), as ingress-nginx writes
// denylist-source-range (deny first) and whitelist-source-range (allow, then `deny all`): nginx.tmpl.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClientAccess } from '../table/types.ts';
import { type CompiledClientAccess, clientAllowed, compileClientAccess } from './client-access.ts';

function compiled(access: ClientAccess, problems: string[] = []): CompiledClientAccess {
  return compileClientAccess(access, new Map(), problems)!;
}

test('client access: no rules, nothing compiled', () => {
  assert.equal(compileClientAccess(undefined, new Map(), []), undefined);
});

test('client access: an allow list refuses everyone else', () => {
  const access = compiled({
    rules: [{ action: 'allow', cidrs: ['10.0.0.0/8', '192.168.1.7', '2001:db8::/32'] }],
    otherwise: 'deny',
  });
  assert.equal(clientAllowed(access, '10.1.2.3'), true);
  assert.equal(clientAllowed(access, '192.168.1.7'), true);
  assert.equal(clientAllowed(access, '192.168.1.8'), false);
  assert.equal(clientAllowed(access, '2001:db8::1'), true);
  assert.equal(clientAllowed(access, '2001:db9::1'), false);
  assert.equal(clientAllowed(access, '11.0.0.1'), false);
  // An IPv4-mapped IPv6 peer is its IPv4 address (dual-stack listeners report it so).
  assert.equal(clientAllowed(access, '::ffff:10.9.9.9'), true);
  assert.equal(clientAllowed(access, '::ffff:11.9.9.9'), false);
});

test('client access: the deny rule comes first, as ingress-nginx writes denylist before allowlist', () => {
  const access = compiled({
    rules: [
      { action: 'deny', cidrs: ['10.0.0.5'] },
      { action: 'allow', cidrs: ['10.0.0.0/24'] },
    ],
    otherwise: 'deny',
  });
  assert.equal(clientAllowed(access, '10.0.0.5'), false);
  assert.equal(clientAllowed(access, '10.0.0.6'), true);
  assert.equal(clientAllowed(access, '10.0.1.6'), false);
});

test('client access: a deny list lets everyone else through', () => {
  const access = compiled({ rules: [{ action: 'deny', cidrs: ['127.0.0.2/32'] }], otherwise: 'allow' });
  assert.equal(clientAllowed(access, '127.0.0.2'), false);
  assert.equal(clientAllowed(access, '127.0.0.1'), true);
});

test('client access: host bits past the prefix are ignored, as Go ParseCIDR and nginx do', () => {
  const access = compiled({ rules: [{ action: 'allow', cidrs: ['10.1.2.3/16'] }], otherwise: 'deny' });
  assert.equal(clientAllowed(access, '10.1.200.200'), true);
  assert.equal(clientAllowed(access, '10.2.0.1'), false);
});

test('client access: text that is no address is refused (fail closed)', () => {
  const access = compiled({ rules: [{ action: 'deny', cidrs: ['10.0.0.1'] }], otherwise: 'allow' });
  assert.equal(clientAllowed(access, 'unknown'), false);
  assert.equal(clientAllowed(access, ''), false);
});

test('client access: a CIDR Node cannot read refuses every client and is reported', () => {
  const problems: string[] = [];
  const access = compiled(
    { rules: [{ action: 'deny', cidrs: ['999.1.1.1'] }], otherwise: 'allow' },
    problems,
  );
  assert.equal(clientAllowed(access, '10.0.0.1'), false);
  assert.equal(problems.length, 1);
  const wide = compiled(
    { rules: [{ action: 'allow', cidrs: ['10.0.0.0/33'] }], otherwise: 'allow' },
    problems,
  );
  assert.equal(clientAllowed(wide, '10.0.0.1'), false);
});

test('client access: routes with the same rules share one compiled form', () => {
  const cache = new Map<string, CompiledClientAccess>();
  const access: ClientAccess = { rules: [{ action: 'allow', cidrs: ['10.0.0.0/8'] }], otherwise: 'deny' };
  const a = compileClientAccess(access, cache, []);
  const b = compileClientAccess(structuredClone(access), cache, []);
  assert.equal(a, b);
});
