import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PolicyCondition, RoutePolicy } from '../policy/types.ts';
import type { Snapshot } from '../snapshot.ts';
import type { PolicyOutcome } from '../translate/policy/status.ts';
import { PolicyStatusWriter, policyStatusUpdates } from './policy-status.ts';

const EARLIER = '2026-01-01T00:00:00Z';
const NOW = new Date('2026-06-01T12:00:00.123Z');

function policy(name: string, conditions?: PolicyCondition[]): RoutePolicy {
  return {
    apiVersion: 'gatehouse.dev/v1alpha1',
    kind: 'RoutePolicy',
    metadata: { name, namespace: 'shop', generation: 2, resourceVersion: '7' },
    spec: { targetRefs: [{ group: 'networking.k8s.io', kind: 'Ingress', name: 'web' }] },
    ...(conditions === undefined ? {} : { status: { conditions } }),
  };
}

const accepted: PolicyOutcome = {
  namespace: 'shop',
  name: 'p',
  generation: 2,
  conditions: [
    { type: 'Accepted', status: 'True', reason: 'Accepted', message: 'applied to 2 routes' },
    {
      type: 'ResolvedRefs',
      status: 'True',
      reason: 'ResolvedRefs',
      message: 'every targetRef names an Ingress',
    },
  ],
};

const written = (o: PolicyOutcome, time: string): PolicyCondition[] =>
  o.conditions.map((c) => ({ ...c, lastTransitionTime: time, observedGeneration: 2 }));

describe('RoutePolicy status', () => {
  it('a policy without conditions gets both, stamped now, with the generation they describe', () => {
    assert.deepEqual(policyStatusUpdates([policy('p')], [accepted], NOW), [
      { namespace: 'shop', name: 'p', conditions: written(accepted, '2026-06-01T12:00:00Z') },
    ]);
  });

  it('conditions already as they should be are not written again', () => {
    assert.deepEqual(policyStatusUpdates([policy('p', written(accepted, EARLIER))], [accepted], NOW), []);
  });

  it('a condition keeps its lastTransitionTime while its status stays; a changed one is stamped now', () => {
    const conflicted: PolicyOutcome = {
      ...accepted,
      conditions: [
        { type: 'Accepted', status: 'False', reason: 'Conflicted', message: 'held by shop/q' },
        {
          type: 'ResolvedRefs',
          status: 'True',
          reason: 'ResolvedRefs',
          message: 'every targetRef names an Ingress',
        },
      ],
    };
    const [update] = policyStatusUpdates([policy('p', written(accepted, EARLIER))], [conflicted], NOW);
    assert.deepEqual(
      update?.conditions.map((c) => `${c.type} ${c.status} ${c.lastTransitionTime}`),
      ['Accepted False 2026-06-01T12:00:00Z', `ResolvedRefs True ${EARLIER}`],
    );
  });

  it('the writer GETs the current object and PUTs its status; a failure is counted for a retry', async () => {
    const puts: RoutePolicy[] = [];
    let fail = true;
    const writer = new PolicyStatusWriter({
      get: async (namespace, name) => ({
        ...policy(name),
        metadata: { namespace, name, resourceVersion: '9' },
      }),
      replaceStatus: async (p) => {
        if (fail) throw new Error('409 Conflict');
        puts.push(p);
      },
    });
    const snapshot = { routePolicies: [policy('p')] } as unknown as Snapshot;
    assert.equal(await writer.sync(snapshot, [accepted], NOW), 1);
    fail = false;
    assert.equal(await writer.sync(snapshot, [accepted], NOW), 0);
    assert.equal(puts[0]?.metadata.resourceVersion, '9');
    assert.deepEqual(puts[0]?.status?.conditions, written(accepted, '2026-06-01T12:00:00Z'));
  });
});
