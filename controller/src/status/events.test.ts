import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Diagnostic } from '../snapshot.ts';
import { EventRecorder } from './events.ts';

function recorder(now: { t: number }, fail = false) {
  const sent: Array<{ namespace: string; body: Record<string, unknown> }> = [];
  const r = new EventRecorder({
    sink: {
      create: async (namespace, body) => {
        if (fail) throw new Error('api away');
        sent.push({ namespace, body: body as Record<string, unknown> });
      },
    },
    controllerName: 'gatehouse.dev/ingress-controller',
    identity: 'pod-1',
    ownNamespace: 'ingress-system',
    now: () => now.t,
    dedupeWindowMs: 60_000,
    ratePerSecond: 1,
    burst: 3,
  });
  return { r, sent };
}

const diagnostic = (name: string, reason = 'ServiceNotFound'): Diagnostic => ({
  object: { kind: 'Ingress', namespace: 'team', name },
  field: 'spec.rules[0]',
  reason,
  message: 'Service team/x not found',
});

describe('Warning Events for diagnostics', () => {
  it("records an IngressClass's Event in the controller's own namespace, not in default", async () => {
    const { r, sent } = recorder({ t: 1_700_000_000_000 });
    const d: Diagnostic = {
      object: { kind: 'IngressClass', name: 'gatehouse' },
      reason: 'InvalidParameters',
      message: 'spec.parameters is not read',
    };
    assert.equal(
      r.warn(d, () => 'uid-c'),
      true,
    );
    await Promise.resolve();
    assert.equal(sent.length, 1);
    assert.equal(sent[0].namespace, 'ingress-system');
    const regarding = sent[0].body.regarding as Record<string, unknown>;
    assert.equal(regarding.kind, 'IngressClass');
    assert.equal(regarding.namespace, undefined);
  });

  it('records an events.k8s.io/v1 Warning on the object, naming the field', async () => {
    const { r, sent } = recorder({ t: 1_700_000_000_000 });
    assert.equal(
      r.warn(diagnostic('web'), () => 'uid-1'),
      true,
    );
    await Promise.resolve();
    assert.equal(sent.length, 1);
    const body = sent[0].body as {
      type: string;
      reason: string;
      note: string;
      regarding: { uid: string; kind: string };
      reportingController: string;
      eventTime: string;
    };
    assert.equal(sent[0].namespace, 'team');
    assert.equal(body.type, 'Warning');
    assert.equal(body.reason, 'ServiceNotFound');
    assert.match(body.note, /^spec\.rules\[0\]: Service team\/x not found/);
    assert.equal(body.regarding.uid, 'uid-1');
    assert.equal(body.reportingController, 'gatehouse.dev/ingress-controller');
    assert.match(body.eventTime, /\.\d{6}Z$/);
  });

  it('the same diagnostic is recorded once per dedupe window', () => {
    const now = { t: 0 };
    const { r } = recorder(now);
    assert.equal(
      r.warn(diagnostic('web'), () => undefined),
      true,
    );
    assert.equal(
      r.warn(diagnostic('web'), () => undefined),
      false,
    );
    now.t = 61_000;
    assert.equal(
      r.warn(diagnostic('web'), () => undefined),
      true,
    );
  });

  it('a burst beyond the token bucket is dropped and counted, then the rate refills', () => {
    const now = { t: 0 };
    const { r } = recorder(now);
    const results = ['a', 'b', 'c', 'd', 'e'].map((n) => r.warn(diagnostic(n), () => undefined));
    assert.deepEqual(results, [true, true, true, false, false]);
    assert.equal(r.dropped, 2);
    now.t = 1_000;
    assert.equal(
      r.warn(diagnostic('f'), () => undefined),
      true,
    );
  });

  it('diagnostics about flags or manifest files have no API object and record nothing', () => {
    const { r } = recorder({ t: 0 });
    assert.equal(
      r.warn(
        { object: { kind: 'Flag', name: '--default-backend-service' }, reason: 'X', message: 'm' },
        () => undefined,
      ),
      false,
    );
    assert.equal(
      r.warn(
        { object: { kind: 'ManifestFile', name: 'a.yaml' }, reason: 'X', message: 'm' },
        () => undefined,
      ),
      false,
    );
  });

  it('a failed write is forgotten by the dedupe so a later pass records it again', async () => {
    const now = { t: 0 };
    const { r } = recorder(now, true);
    assert.equal(
      r.warn(diagnostic('web'), () => undefined),
      true,
    );
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(
      r.warn(diagnostic('web'), () => undefined),
      true,
    );
  });
});
