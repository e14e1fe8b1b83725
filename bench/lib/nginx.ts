// The nginx side of the benchmark: one upstream answering fixed bodies (shared by both proxies)
// and the reference reverse proxy, configured as ingress-nginx configures a route (forwarding
// headers, upstream keep-alive, access log off) with the same worker count as Gatehouse.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Started, start } from './processes.ts';

export const SMALL_BODY = 'hello from upstream\n';
export const LARGE_BODY = 'x'.repeat(4095) + '\n';

export interface UpstreamPorts {
  /** Serves /small and /4k; the benchmark's route points here. */
  main: number;
  /** A second listener answering the same, so a route can be flipped between two Services. */
  alt: number;
}

function events(connections: number): string {
  return `worker_rlimit_nofile ${connections * 4};\nevents { worker_connections ${connections}; multi_accept on; }`;
}

/** The upstream serves its bodies as files (nginx caps a `return` string well below 4 KiB). */
export function upstreamConfig(dir: string, ports: UpstreamPorts): string {
  const www = join(dir, 'www');
  mkdirSync(www, { recursive: true });
  writeFileSync(join(www, 'small'), SMALL_BODY);
  writeFileSync(join(www, '4k'), LARGE_BODY);
  return `
worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;
${events(8192)}
http {
  access_log off;
  keepalive_timeout 120s;
  keepalive_requests 10000000;
  default_type text/plain;
  server {
    listen 127.0.0.1:${ports.main} reuseport backlog=4096;
    listen 127.0.0.1:${ports.alt} reuseport backlog=4096;
    root ${www};
    sendfile on;
    open_file_cache max=16 inactive=1h;
    open_file_cache_valid 1h;
    etag off;
    # Which listener answered: the propagation probe tells the two Services apart by it.
    location = /port { return 200 "$server_port"; }
  }
}
`;
}

export interface ProxyOptions {
  workers: number;
  httpPort: number;
  /** With a certificate, also an `ssl http2` listener. */
  tls?: { port: number; cert: string; key: string };
  upstreamPort: number;
  /** Every host of the generated Ingresses, as server_names (the benchmarked one among them). */
  hosts: string[];
}

export function proxyConfig(dir: string, o: ProxyOptions): string {
  const tls = o.tls
    ? `    listen 127.0.0.1:${o.tls.port} ssl http2 reuseport backlog=4096;
    ssl_certificate ${o.tls.cert};
    ssl_certificate_key ${o.tls.key};
    ssl_session_cache shared:SSL:10m;`
    : '';
  return `
worker_processes ${o.workers};
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;
${events(8192)}
http {
  access_log off;
  keepalive_timeout 120s;
  keepalive_requests 10000000;
  client_body_temp_path ${join(dir, 'body')};
  proxy_temp_path ${join(dir, 'proxy')};
  server_names_hash_max_size 8192;
  server_names_hash_bucket_size 128;
  upstream bench_upstream {
    server 127.0.0.1:${o.upstreamPort};
    keepalive 512;
    keepalive_requests 10000000;
    keepalive_timeout 120s;
  }
  server {
    listen 127.0.0.1:${o.httpPort} reuseport backlog=4096;
${tls}
    server_name ${o.hosts.join(' ')};
    location / {
      proxy_pass http://bench_upstream;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Request-ID $request_id;
      proxy_set_header X-Real-IP $remote_addr;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Host $host;
      proxy_set_header X-Forwarded-Port $server_port;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_buffering on;
    }
  }
  server {
    listen 127.0.0.1:${o.httpPort} default_server;
    return 404;
  }
}
`;
}

/** Write `config` into `dir` and run nginx in the foreground (master + workers). */
export function startNginx(name: string, dir: string, config: string): Started {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'nginx.conf');
  writeFileSync(file, config);
  return start(
    name,
    'nginx',
    ['-p', dir, '-c', file, '-e', join(dir, 'error.log'), '-g', 'daemon off; master_process on;'],
    join(dir, 'stdout.log'),
    { stopSignal: 'SIGQUIT' },
  );
}
