// Gatehouse's data plane with worker settings the command line does not offer yet (metrics off):
// the real Supervisor, workers, translation and admin /readyz, fed a fixed set of objects instead
// of watched manifests. Only for the benchmark's "metrics off" run until a CLI switch exists.
// Run: node bench/lib/launcher.ts OBJECTS_JSON HTTP_PORT HTTPS_PORT ADMIN_PORT WORKERS
import { readFileSync } from 'node:fs';
import { startAdminServer } from '../../controller/src/admin/server.ts';
import { createLogger } from '../../controller/src/log.ts';
import type { AnyObject } from '../../controller/src/snapshot.ts';
import { Supervisor } from '../../controller/src/supervisor/supervisor.ts';
import { translate } from '../../controller/src/translate/index.ts';
import { snapshotOf } from './manifests.ts';

const [objectsFile, httpPort, httpsPort, adminPort, workers] = process.argv.slice(2);
const objects = JSON.parse(readFileSync(objectsFile, 'utf8')) as AnyObject[];
const { table } = translate(snapshotOf(objects), {
  ingressClass: 'gatehouse',
  controllerName: 'gatehouse.dev/ingress-controller',
  now: new Date(),
});
const supervisor = new Supervisor(
  Number(workers),
  {
    httpPort: Number(httpPort),
    httpsPort: Number(httpsPort),
    bindAddress: '127.0.0.1',
    trustedProxies: [],
    logLevel: 'warn',
    logFormat: 'json',
    drainTimeoutMs: 2000,
    metrics: false,
  },
  createLogger('warn', 'json'),
);
supervisor.push({ version: 1, ...table });
supervisor.start();
const admin = await startAdminServer(Number(adminPort), '127.0.0.1', {
  healthy: () => ({ ok: true, detail: 'bench launcher' }),
  ready: () => ({ ok: supervisor.ready(), detail: `serving version ${supervisor.currentVersion}` }),
});
process.on('SIGTERM', () => {
  admin.close();
  supervisor.stop().finally(() => process.exit(0));
});
