// Two replicas: both serve traffic, only the Lease holder writes Ingress status; when the leader
// crashes (SIGKILL, no Lease release) the other takes over once the Lease expires.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { waitFor } from '../../lib/wait.ts';
import { suite } from '../context.ts';
import type { Gatehouse } from '../gatehouse.ts';
import type { KubeObject } from '../kube.ts';
import { createService, leaseHolder, loadBalancerOf, servedBy } from '../lib.ts';
import { ingress } from '../objects.ts';

export function leaderScenario(): void {
  describe('two replicas and leader election', () => {
    let ns: string;
    let leader: Gatehouse;
    let follower: Gatehouse;
    let first: KubeObject;

    before(async () => {
      const s = suite();
      ns = await s.newNamespace('leader');
      await createService(s.admin, ns, 'web', [s.backends[0].ip]);
      leader = s.gatehouse;
      await waitFor(async () => (await leaseHolder(s.admin))?.holder.startsWith(`${leader.name}_`), {
        what: `${leader.name} to hold the Lease`,
      });
      follower = await s.startReplica('replica-b', '198.51.100.11');
    });

    test('both replicas serve an Ingress; only the leader writes its status', async () => {
      const { admin, backends } = suite();
      first = await admin.create(ingress(ns, 'first', 'first.leader.test', [{ path: '/', service: 'web' }]));
      for (const g of [leader, follower]) {
        await waitFor(() => servedBy(g, 'first.leader.test', backends[0].name), {
          what: `${g.name} to serve`,
        });
      }
      const lb = await waitFor(
        async () => {
          const current = await loadBalancerOf(admin, first);
          return current.length > 0 && current;
        },
        { what: 'status of Ingress first' },
      );
      assert.deepEqual(lb, [{ ip: leader.publishAddress }]);
      // The follower has translated this Ingress (it serves it); let a Lease renewal pass and check
      // again, so a follower write racing the leader's would have landed.
      const renewed = (await leaseHolder(admin))?.renewTime;
      await waitFor(async () => (await leaseHolder(admin))?.renewTime !== renewed, {
        what: 'a Lease renewal',
        timeoutMs: 15_000,
      });
      assert.deepEqual(await loadBalancerOf(admin, first), [{ ip: leader.publishAddress }]);
      assert.ok((await leaseHolder(admin))?.holder.startsWith(`${leader.name}_`));
    });

    test('when the leader is killed, the other replica takes the Lease and rewrites status', async () => {
      const s = suite();
      const killedAt = performance.now();
      await leader.kill();
      s.gatehouse = follower;
      // Traffic never depended on the leader: the follower serves throughout.
      assert.ok(await servedBy(follower, 'first.leader.test', s.backends[0].name));
      await waitFor(async () => (await leaseHolder(s.admin))?.holder.startsWith(`${follower.name}_`), {
        what: `${follower.name} to take the Lease (after a 15 s Lease duration)`,
        timeoutMs: 45_000,
        intervalMs: 50,
      });
      const tookLease = performance.now() - killedAt;
      await waitFor(
        async () =>
          JSON.stringify(await loadBalancerOf(s.admin, first)) ===
          JSON.stringify([{ ip: follower.publishAddress }]),
        { what: 'the new leader to write its address into the status', timeoutMs: 15_000 },
      );
      s.measurements.other.push({ what: 'leader crash -> new leader holds the Lease', ms: tookLease });
      s.measurements.other.push({
        what: 'leader crash -> status rewritten by new leader',
        ms: performance.now() - killedAt,
      });
      // And the new leader writes status for Ingresses created after the takeover.
      const later = await s.admin.create(
        ingress(ns, 'later', 'later.leader.test', [{ path: '/', service: 'web' }]),
      );
      const lb = await waitFor(
        async () => {
          const current = await loadBalancerOf(s.admin, later);
          return current.length > 0 && current;
        },
        { what: 'status of Ingress later' },
      );
      assert.deepEqual(lb, [{ ip: follower.publishAddress }]);
    });
  });
}
