// Integration harness: real Gatehouse processes (primary + workers) on 127.0.0.1, local
// backends, manifests in a temp folder. Everything started here is stopped by PID in `cleanup`.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { childPids, freePort, waitFor } from '../lib/processes.ts';

export { childPids, freePort, waitFor };

export const root = fileURLToPath(new URL('../..', import.meta.url));

export interface Backend {
  name: string;
  port: number;
  server: Server;
  /** Requests seen, in order. */
  seen: Array<{ method: string; url: string; headers: IncomingMessage['headers'] }>;
  close(): Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A backend answering JSON {backend, path, headers}; `handler` overrides the answer. */
export async function startBackend(name: string, handler?: Handler): Promise<Backend> {
  const seen: Backend['seen'] = [];
  const server = createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    if (handler) return handler(req, res);
    const body = JSON.stringify({ backend: name, path: req.url, headers: req.headers });
    res.writeHead(200, { 'content-type': 'application/json', 'x-backend': name });
    res.end(body);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  return {
    name,
    port,
    server,
    seen,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close').catch(() => {});
    },
  };
}

/** Objects for one Service backed by the given backends' ports (one EndpointSlice per port). */
export function serviceFor(
  namespace: string,
  name: string,
  backends: Array<{ port: number }>,
  ready = true,
): object[] {
  const objects: object[] = [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace },
      spec: { ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
    },
  ];
  backends.forEach((b, i) => {
    objects.push({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: `${name}-${i}`, namespace, labels: { 'kubernetes.io/service-name': name } },
      addressType: 'IPv4',
      ports: [{ name: 'http', port: b.port }],
      endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready } }],
    });
  });
  return objects;
}

export function ingressClass(): object {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'IngressClass',
    metadata: { name: 'gatehouse' },
    spec: { controller: 'gatehouse.dev/ingress-controller' },
  };
}

export interface PathSpec {
  path: string;
  pathType?: 'Exact' | 'Prefix' | 'ImplementationSpecific';
  service: string;
  port?: number;
}

export function ingress(
  namespace: string,
  name: string,
  rules: Array<{ host?: string; paths: PathSpec[] }>,
  extra: { created?: string; defaultBackend?: string } = {},
): object {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, namespace, creationTimestamp: extra.created ?? '2026-01-01T00:00:00Z' },
    spec: {
      ingressClassName: 'gatehouse',
      ...(extra.defaultBackend
        ? { defaultBackend: { service: { name: extra.defaultBackend, port: { number: 80 } } } }
        : {}),
      rules: rules.map((r) => ({
        ...(r.host ? { host: r.host } : {}),
        http: {
          paths: r.paths.map((p) => ({
            path: p.path,
            pathType: p.pathType ?? 'Prefix',
            backend: { service: { name: p.service, port: { number: p.port ?? 80 } } },
          })),
        },
      })),
    },
  };
}

/** The object with these `metadata.annotations` (ingress-nginx's, for the annotation tests). */
export function withAnnotations(object: object, annotations: Record<string, string>): object {
  const o = object as { metadata: Record<string, unknown> };
  return { ...o, metadata: { ...o.metadata, annotations } };
}

/** The Ingress with one `spec.tls` entry. */
export function withTls(object: object, hosts: string[], secretName: string): object {
  const o = object as { spec: Record<string, unknown> };
  return { ...o, spec: { ...o.spec, tls: [{ hosts, secretName }] } };
}

export class ManifestDir {
  readonly dir = mkdtempSync(join(tmpdir(), 'gatehouse-it-'));

  write(file: string, objects: object[]): void {
    // Write then rename, as kubectl and editors do, so a reader never sees half a file.
    const path = join(this.dir, file);
    writeFileSync(`${path}.tmp~`, objects.map((o) => stringify(o)).join('---\n'));
    execFileSync('mv', [`${path}.tmp~`, path]);
  }

  writeRaw(file: string, text: string): void {
    writeFileSync(join(this.dir, file), text);
  }

  remove(file: string): void {
    rmSync(join(this.dir, file), { force: true });
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface Gatehouse {
  proc: ChildProcess;
  httpPort: number;
  httpsPort: number;
  adminPort: number;
  output: () => string;
  url(path: string): string;
  workerPids(): number[];
  /** The version every worker serves, once /readyz says so. */
  waitReady(timeoutMs?: number): Promise<void>;
  stop(): Promise<number | null>;
}

export async function startGatehouse(
  manifests: string,
  options: { workers?: number; args?: string[] } = {},
): Promise<Gatehouse> {
  const httpPort = await freePort();
  const httpsPort = await freePort();
  const adminPort = await freePort();
  const proc = spawn(
    process.execPath,
    [
      join(root, 'controller/src/main.ts'),
      '--manifests',
      manifests,
      '--bind-address',
      '127.0.0.1',
      '--http-port',
      String(httpPort),
      '--https-port',
      String(httpsPort),
      '--admin-port',
      String(adminPort),
      '--workers',
      String(options.workers ?? 2),
      '--log-level',
      'debug',
      ...(options.args ?? []),
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  proc.stdout?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  proc.stderr?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const g: Gatehouse = {
    proc,
    httpPort,
    httpsPort,
    adminPort,
    output: () => output,
    url: (path) => `http://127.0.0.1:${httpPort}${path}`,
    workerPids: () => childPids(proc.pid!),
    waitReady: async (timeoutMs = 15_000) => {
      await waitFor(
        `gatehouse /readyz (output so far:\n${output.slice(-2000)})`,
        async () => {
          if (proc.exitCode !== null)
            throw new Error(`gatehouse exited ${proc.exitCode}:\n${output.slice(-3000)}`);
          const r = await fetch(`http://127.0.0.1:${adminPort}/readyz`);
          await r.arrayBuffer();
          return r.status === 200;
        },
        timeoutMs,
      );
    },
    stop: async () => {
      if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode;
      const workers = childPids(proc.pid!);
      proc.kill('SIGTERM');
      const [code] = (await Promise.race([
        once(proc, 'exit'),
        new Promise((r) => setTimeout(() => r([null]), 15_000).unref()),
      ])) as [number | null];
      // Whatever survived the drain (it should not) is ended by PID.
      for (const pid of [proc.pid!, ...workers]) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {}
      }
      return code;
    },
  };
  return g;
}

/** GET through Gatehouse with a Host header; returns status, headers and body text. */
export async function get(
  g: Gatehouse,
  host: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; body: string; json: () => Record<string, unknown> }> {
  const { request } = await import('undici');
  const res = await request(g.url(path), { headers: { host, ...headers } });
  const body = await res.body.text();
  const h = new Headers();
  for (const [k, v] of Object.entries(res.headers))
    if (v !== undefined) h.set(k, Array.isArray(v) ? v.join(', ') : v);
  return { status: res.statusCode, headers: h, body, json: () => JSON.parse(body) };
}
