// Gatehouse end to end: cluster mode against a real kube-apiserver + etcd, under the shipped RBAC,
// with real traffic to backends in the cluster's network namespace. One cluster and one process for
// every scenario (node:test runs each file in its own process): cheaper than a cluster per file, and
// the measurements of all scenarios are printed together at the end.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe } from 'node:test';
import { fileURLToPath } from 'node:url';
import { setUp, suite, tearDown } from './context.ts';
import { accessScenario } from './scenarios/access.ts';
import { classesScenario } from './scenarios/classes.ts';
import { controlPlaneScenario } from './scenarios/control-plane.ts';
import { leaderScenario } from './scenarios/leader.ts';
import { outageScenario } from './scenarios/outage.ts';
import { rbacScenario } from './scenarios/rbac.ts';
import { routePolicyScenario } from './scenarios/route-policy.ts';
import { routingScenario } from './scenarios/routing.ts';
import { scaleScenario } from './scenarios/scale.ts';
import { statusScenario } from './scenarios/status.ts';
import { tlsScenario } from './scenarios/tls.ts';
import { updatesScenario } from './scenarios/updates.ts';

const summaryFile = fileURLToPath(new URL('../../.tmp/e2e-measurements.txt', import.meta.url));

describe('gatehouse in cluster mode, end to end', { timeout: 540_000 }, () => {
  before(() => setUp(), { timeout: 120_000 });
  after(async () => {
    let summary = '';
    try {
      summary = suite().measurements.summary();
    } catch {}
    await tearDown();
    if (summary) {
      process.stdout.write(summary);
      mkdirSync(join(summaryFile, '..'), { recursive: true });
      writeFileSync(summaryFile, summary);
    }
  });

  // Order matters only where a scenario changes the shared world: the leader scenario replaces the
  // serving replica, the outage restarts the apiserver, the control-plane faults add a replica behind a fault proxy
  // (stopped after), and 1 000 Ingresses come last; the audit of
  // every request the replicas made is read once they all have run.
  classesScenario();
  routingScenario();
  statusScenario();
  routePolicyScenario();
  updatesScenario();
  tlsScenario();
  rbacScenario();
  leaderScenario();
  outageScenario();
  controlPlaneScenario();
  scaleScenario();
  accessScenario();
});
