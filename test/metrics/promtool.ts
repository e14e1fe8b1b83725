// promtool, installed (or found in the cache) by scripts/install-promtool.sh, and a runner of
// `promtool check metrics` on an exposition text.
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('../../scripts/install-promtool.sh', import.meta.url));
let cached: string | undefined;

export function promtool(): string {
  if (cached !== undefined) return cached;
  const out = execFileSync(script, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const line = out.split('\n').find((l) => l.startsWith('PROMTOOL='));
  if (line === undefined) throw new Error('install-promtool.sh printed no PROMTOOL= line');
  cached = line.slice('PROMTOOL='.length);
  return cached;
}

/** `promtool check metrics` reads the exposition on stdin; its findings come back as text. */
export function checkMetrics(exposition: string): { ok: boolean; findings: string } {
  const run = spawnSync(promtool(), ['check', 'metrics'], { input: exposition, encoding: 'utf8' });
  if (run.error) throw run.error;
  const findings = `${run.stdout}${run.stderr}`.trim();
  return { ok: run.status === 0 && findings === '', findings };
}
