import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { API_ACCESS, RESOURCES } from './access.ts';
import { configMapKind, KINDS, secretKind } from './kinds.ts';
import { derivedRbac, grantsOf, type PolicyRule } from './rbac.ts';

const deployRules = (file: string): PolicyRule[] =>
  parse(readFileSync(fileURLToPath(new URL(`../../../../deploy/rbac/${file}`, import.meta.url)), 'utf8'))
    .rules;

describe('RBAC derived from the table of API requests', () => {
  test('deploy/rbac/clusterrole.yaml grants exactly the watch-scoped requests of the table, no verb more', () => {
    const { cluster, watched } = derivedRbac('gatehouse');
    assert.deepEqual(grantsOf(deployRules('clusterrole.yaml')), grantsOf([...cluster, ...watched]));
  });

  test("deploy/rbac/role.yaml grants exactly the Lease requests (get and update by the Lease's name) and IngressClass Events", () => {
    assert.deepEqual(grantsOf(deployRules('role.yaml')), grantsOf(derivedRbac('gatehouse').own));
    assert.deepEqual(grantsOf(derivedRbac('edge').own), [
      'coordination.k8s.io/leases:create',
      'coordination.k8s.io/leases:get@edge',
      'coordination.k8s.io/leases:update@edge',
      'events.k8s.io/events:create',
    ]);
  });

  test('every watched kind is listed and watched, in the scope of its resource', () => {
    for (const kind of [...KINDS, secretKind('team', 'site-tls'), configMapKind('team', 'headers')]) {
      const verbs = API_ACCESS.filter((a) => a.resource === kind.resource).map((a) => a.verb);
      assert.ok(verbs.includes('list') && verbs.includes('watch'), `${kind.name}: ${verbs}`);
    }
    const { cluster } = derivedRbac('gatehouse');
    assert.deepEqual(grantsOf(cluster), [
      'networking.k8s.io/ingressclasses:list',
      'networking.k8s.io/ingressclasses:watch',
    ]);
  });

  test('no Secret is read by get and no Event is patched: Secrets only list+watch (by name), Events only create', () => {
    const verbsOf = (r: object) => API_ACCESS.filter((a) => a.resource === r).map((a) => a.verb);
    assert.deepEqual(verbsOf(RESOURCES.secrets), ['list', 'watch']);
    assert.ok(API_ACCESS.filter((a) => a.resource === RESOURCES.secrets).every((a) => a.byName));
    assert.deepEqual(verbsOf(RESOURCES.events), ['create']);
  });

  test('ConfigMaps, like Secrets, only list+watch by name (custom-headers); never get', () => {
    const access = API_ACCESS.filter((a) => a.resource === RESOURCES.configMaps);
    assert.deepEqual(
      access.map((a) => a.verb),
      ['list', 'watch'],
    );
    assert.ok(access.every((a) => a.byName));
  });
});
