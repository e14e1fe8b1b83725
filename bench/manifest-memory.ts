// The primary's memory around one large manifest file (issue 25 item 10): a folder serving one
// route gains a ~50 MB file of 48 000 small ConfigMaps, which is then removed. Prints the
// primary's RSS (/proc) and V8 heap (its own /metrics) at each stage.
// Run: node bench/manifest-memory.ts [--configmaps N] [--settle S] [-- extra gatehouse flags]
import { mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startGatehouse } from './lib/gatehouse.ts';
import { ingressClass, routeObjects, writeManifest } from './lib/manifests.ts';
import { stopAll, stopAllOnSignal } from './lib/processes.ts';
import { mib, rssKiB, sleep } from './lib/util.ts';

const { values: args, positionals } = parseArgs({
  options: {
    configmaps: { type: 'string', default: '48000' },
    settle: { type: 'string', default: '10' },
  },
  allowPositionals: true,
});
const configMaps = Number(args.configmaps);
const settleS = Number(args.settle);
const say = (line: string) => process.stdout.write(`${line}\n`);

/** ~1 KiB each, so 48 000 of them make a ~50 MB file. */
function configMapsYaml(count: number): string {
  const value = 'x'.repeat(900);
  const parts: string[] = [];
  for (let i = 0; i < count; i++) {
    parts.push(
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings-${i}\n  namespace: bench\n  labels:\n    app: bench\ndata:\n  key-${i}: "${value}"\n`,
    );
  }
  return parts.join('---\n');
}

async function primaryHeapBytes(adminPort: number): Promise<number> {
  try {
    const text = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
    const m = /^nodejs_heap_size_used_bytes\{[^}]*process="primary"[^}]*\} (\d+(?:\.\d+)?(?:e\+\d+)?)/m.exec(
      text,
    );
    return m ? Number(m[1]) : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** VmHWM: the peak RSS the process ever reached. */
function peakKiB(pid: number): number {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

async function main(): Promise<void> {
  stopAllOnSignal();
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-manifest-memory-'));
  const logFile = join(dir, '..', `${dir.split('/').pop()}.log`);
  writeManifest(dir, 'routes.yaml', [ingressClass(), ...routeObjects('mem', 1, 9)]);
  const g = await startGatehouse({ manifests: dir, workers: 1, logFile, args: positionals });
  const pid = g.started.pid;
  const sample = async (stage: string) => {
    const heap = await primaryHeapBytes(g.adminPort);
    say(
      `${stage.padEnd(34)} primary RSS ${mib(rssKiB(pid)).padStart(11)}   heap used ${mib(heap / 1024).padStart(11)}   peak RSS ${mib(peakKiB(pid))}`,
    );
  };
  /** Samples at +2 s, +5 s and +settle s after a change. */
  const samples = async (stage: string) => {
    let elapsed = 0;
    for (const at of [2, 5, Math.max(settleS, 6)]) {
      await sleep((at - elapsed) * 1000);
      elapsed = at;
      await sample(`${stage}, +${at} s`);
    }
  };
  try {
    await sleep(settleS * 1000);
    await sample('baseline');
    const big = join(dir, 'configmaps.yaml');
    // Written beside the folder and renamed in, so the source never reads half a file.
    const staging = `${dir}.configmaps.yaml`;
    writeFileSync(staging, configMapsYaml(configMaps));
    const bytes = statSync(staging).size;
    renameSync(staging, big);
    say(`wrote ${configMaps} ConfigMaps, ${(bytes / 1e6).toFixed(1)} MB`);
    await samples('with the file');
    rmSync(big);
    await samples('file removed');
    if (g.started.proc.exitCode !== null) say(`gatehouse exited ${g.started.proc.exitCode}; see ${logFile}`);
    say(`log: ${logFile}`);
  } finally {
    await stopAll();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
