// How requests reach the backend: protocol, balancing, timeouts, errors, mirrors, TLS to the backend.
import { type AnnotationEntry, DOCS, family } from './types.ts';

const TODO = 'not implemented yet';

export const balancing: AnnotationEntry[] = [
  ...family('Backend Protocol', `${DOCS}#backend-protocol`, [
    {
      key: 'backend-protocol',
      status: 'pending',
      note: `HTTP, HTTPS, GRPC, GRPCS, H2C, AUTO_HTTP, FCGI to the backend: ${TODO}`,
    },
  ]),
  ...family('Custom NGINX load balancing', `${DOCS}#custom-nginx-load-balancing`, [
    { key: 'load-balance', status: 'pending', note: `round_robin or ewma: ${TODO}` },
  ]),
  ...family('Custom NGINX upstream hashing', `${DOCS}#custom-nginx-upstream-hashing`, [
    { key: 'upstream-hash-by', status: 'pending', note: `consistent hashing on a request variable: ${TODO}` },
    { key: 'upstream-hash-by-subset', status: 'pending', note: `hash to a subset of endpoints: ${TODO}` },
    {
      key: 'upstream-hash-by-subset-size',
      status: 'pending',
      note: `endpoints per hash subset (default 3): ${TODO}`,
    },
  ]),
  ...family('Service Upstream', `${DOCS}#service-upstream`, [
    {
      key: 'service-upstream',
      status: 'pending',
      note: `send to the Service's ClusterIP instead of endpoints: ${TODO}`,
    },
  ]),
  ...family('SSL Passthrough', `${DOCS}#ssl-passthrough`, [
    {
      key: 'ssl-passthrough',
      status: 'pending',
      note: `TLS routed by SNI to the backend, not terminated: ${TODO}`,
    },
  ]),
];

export const timeouts: AnnotationEntry[] = [
  ...family('Custom timeouts', `${DOCS}#custom-timeouts`, [
    { key: 'proxy-connect-timeout', status: 'pending', note: `seconds to connect to the backend: ${TODO}` },
    {
      key: 'proxy-send-timeout',
      status: 'pending',
      note: `seconds between two writes to the backend: ${TODO}`,
    },
    {
      key: 'proxy-read-timeout',
      status: 'pending',
      note: `seconds between two reads from the backend: ${TODO}`,
    },
    {
      key: 'proxy-next-upstream',
      status: 'pending',
      note: `which failures are retried on another endpoint: ${TODO}`,
    },
    { key: 'proxy-next-upstream-timeout', status: 'pending', note: `time limit for retries: ${TODO}` },
    { key: 'proxy-next-upstream-tries', status: 'pending', note: `attempts at most: ${TODO}` },
    {
      key: 'proxy-request-buffering',
      status: 'pending',
      note: `read the whole request body before sending it: ${TODO}`,
    },
  ]),
  ...family('Custom max body size', `${DOCS}#custom-max-body-size`, [
    { key: 'proxy-body-size', status: 'pending', note: `largest request body (413 beyond): ${TODO}` },
  ]),
  ...family('Proxy HTTP version', `${DOCS}#proxy-http-version`, [
    { key: 'proxy-http-version', status: 'pending', note: `HTTP/1.0 or 1.1 to the backend: ${TODO}` },
  ]),
  ...family('Connection proxy header', `${DOCS}#connection-proxy-header`, [
    {
      key: 'connection-proxy-header',
      status: 'pending',
      note: `Connection header sent to the backend: ${TODO}`,
    },
  ]),
];

export const errorsAndMirrors: AnnotationEntry[] = [
  ...family('Custom HTTP Errors', `${DOCS}#custom-http-errors`, [
    {
      key: 'custom-http-errors',
      status: 'pending',
      note: `these backend statuses are served by the default backend: ${TODO}`,
    },
  ]),
  ...family(
    'Custom HTTP Errors',
    'ingress-nginx internal/ingress/annotations/disableproxyintercepterrors (undocumented)',
    [
      {
        key: 'disable-proxy-intercept-errors',
        status: 'pending',
        note: `turns custom-http-errors interception off: ${TODO}`,
      },
    ],
  ),
  ...family('Default Backend', `${DOCS}#default-backend`, [
    {
      key: 'default-backend',
      status: 'pending',
      note: `Service for this Ingress's errors and unmatched requests: ${TODO}`,
    },
  ]),
  ...family('Mirror', `${DOCS}#mirror`, [
    { key: 'mirror-target', status: 'pending', note: `a copy of each request is sent to this URL: ${TODO}` },
    {
      key: 'mirror-request-body',
      status: 'pending',
      note: `whether the mirrored copy carries the body: ${TODO}`,
    },
    { key: 'mirror-host', status: 'pending', note: `Host header of the mirrored copy: ${TODO}` },
  ]),
];

export const backendTls: AnnotationEntry[] = family(
  'Backend Certificate Authentication',
  `${DOCS}#backend-certificate-authentication`,
  [
    {
      key: 'proxy-ssl-secret',
      status: 'pending',
      note: `client certificate and CA for HTTPS backends: ${TODO}`,
    },
    { key: 'proxy-ssl-verify', status: 'pending', note: `verify the backend certificate: ${TODO}` },
    {
      key: 'proxy-ssl-verify-depth',
      status: 'pending',
      note: `depth of the backend certificate chain: ${TODO}`,
    },
    {
      key: 'proxy-ssl-name',
      status: 'pending',
      note: `name the backend certificate is checked against: ${TODO}`,
    },
    { key: 'proxy-ssl-server-name', status: 'pending', note: `send proxy-ssl-name as SNI: ${TODO}` },
    { key: 'proxy-ssl-protocols', status: 'pending', note: `TLS versions offered to the backend: ${TODO}` },
    { key: 'proxy-ssl-ciphers', status: 'pending', note: `ciphers offered to the backend: ${TODO}` },
  ],
);
