// The RBAC Gatehouse ships is exactly what it calls. The apiserver audited every request of the
// gatehouse ServiceAccount during the whole suite (e2e/cluster/up.sh); the requests the replicas made
// (user agent `gatehouse`) are matched against the rules of deploy/rbac, as the RBAC authorizer would:
// every request must fall under a rule, and every permission a rule grants must have been used.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { USER_AGENT } from '../../../controller/src/sources/kube/kube-http.ts';
import { derivedRbac, grantsOf, type PolicyRule } from '../../../controller/src/sources/kube/rbac.ts';
import { type AuditedRequest, auditedRequests } from '../../lib/audit.ts';
import { shippedRbac, suite } from '../context.ts';
import { CLASS } from '../objects.ts';
import { UNREFERENCED_SECRETS } from './tls.ts';

/** The permission (as grantsOf spells it) under which `r` was allowed, or why none applies. */
function permissionUsed(r: AuditedRequest, scoped: Array<{ rule: PolicyRule; namespace?: string }>): string {
  const resource = r.subresource ? `${r.resource}/${r.subresource}` : r.resource;
  const base = `${r.apiGroup === '' ? 'core' : r.apiGroup}/${resource}:${r.verb}`;
  for (const { rule, namespace } of scoped) {
    if (!rule.apiGroups.includes(r.apiGroup) || !rule.resources.includes(resource)) continue;
    if (!rule.verbs.includes(r.verb) || (namespace !== undefined && r.namespace !== namespace)) continue;
    if (!rule.resourceNames) return base;
    if (r.name !== undefined && rule.resourceNames.includes(r.name)) return `${base}@${r.name}`;
  }
  return `NOT GRANTED ${base} ${r.requestURI} (${r.code})`;
}

/** The rules of deploy/rbac as the authorizer applies them: a Role's only in its namespace. */
function shippedRules(): Array<{ rule: PolicyRule; namespace?: string }> {
  return shippedRbac().flatMap((o) =>
    o.kind === 'ClusterRole'
      ? (o.rules as PolicyRule[]).map((rule) => ({ rule }))
      : o.kind === 'Role'
        ? (o.rules as PolicyRule[]).map((rule) => ({ rule, namespace: o.metadata.namespace as string }))
        : [],
  );
}

export function accessScenario(): void {
  describe('RBAC is exactly what the controller calls (apiserver audit log)', () => {
    test('the shipped RBAC is the one the access table derives', () => {
      const rbac = derivedRbac(CLASS);
      assert.deepEqual(
        grantsOf(shippedRules().map((s) => s.rule)),
        grantsOf([...rbac.cluster, ...rbac.watched, ...rbac.own]),
      );
    });

    test("every request of the replicas fell under a rule of deploy/rbac, and every rule's every verb was used", () => {
      const requests = auditedRequests(suite().cluster.auditLog).filter((r) => r.userAgent === USER_AGENT);
      assert.ok(requests.length > 0, 'the audit log holds requests of the gatehouse replicas');
      const scoped = shippedRules();
      const used = [...new Set(requests.map((r) => permissionUsed(r, scoped)))].sort();
      assert.deepEqual(used, grantsOf(scoped.map((s) => s.rule)));
    });

    test('Secrets are read only one by name, in their namespace; an unreferenced Secret is never named', () => {
      const requests = auditedRequests(suite().cluster.auditLog).filter((r) => r.userAgent === USER_AGENT);
      const secrets = requests.filter((r) => r.resource === 'secrets');
      assert.ok(secrets.length > 0, 'the replicas read the Secrets the TLS scenario references');
      const selectorOf = (uri: string) => new URL(uri, 'https://apiserver').searchParams.get('fieldSelector');
      const unnamed = secrets.filter(
        (r) =>
          r.namespace === undefined ||
          r.name === undefined ||
          !(selectorOf(r.requestURI) ?? '').split(',').includes(`metadata.name=${r.name}`),
      );
      assert.deepEqual(
        unnamed.map((r) => `${r.verb} ${r.requestURI}`),
        [],
        'every Secret request has a metadata.name field selector',
      );
      for (const name of UNREFERENCED_SECRETS) {
        const naming = requests.filter((r) => decodeURIComponent(r.requestURI).includes(name));
        assert.deepEqual(
          naming.map((r) => r.requestURI),
          [],
          `no request of the replicas names ${name}`,
        );
      }
    });
  });
}
