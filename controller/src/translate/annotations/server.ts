// The rest of ingress-nginx's per-Ingress settings: CORS, buffers, TLS ciphers, logs, tracing, WAF,
// and raw nginx snippets.
import { type AnnotationEntry, DOCS, family } from './types.ts';

const TODO = 'not implemented yet';
const STREAMS =
  'Gatehouse streams bodies through memory-bounded buffers; nginx buffer tuning has no equivalent';

// CORS tells browsers what they may read; ingress-nginx answers the request either way.
export const cors: AnnotationEntry[] = family('Enable CORS', `${DOCS}#enable-cors`, [
  {
    key: 'enable-cors',
    status: 'difference',
    note:
      'preflights (OPTIONS with Origin and Access-Control-Request-Method) from an allowed origin are answered 204 ' +
      'by the proxy, other answers get the CORS headers and Vary: Origin; difference: a plain OPTIONS without ' +
      'Access-Control-Request-Method goes upstream (ingress-nginx answers it 204 too), and a client refused by a ' +
      'source range gets 403 before its preflight is answered',
  },
  {
    key: 'cors-allow-origin',
    status: 'difference',
    note:
      'comma list of scheme://host[:port], scheme://*.host (one DNS label), null, or * (default); compared ' +
      "case-insensitively; difference: matched whole, where ingress-nginx's regex has no start anchor",
  },
  {
    key: 'cors-allow-methods',
    status: 'supported',
    note: 'Access-Control-Allow-Methods; default "GET, PUT, POST, DELETE, PATCH, OPTIONS"',
  },
  {
    key: 'cors-allow-headers',
    status: 'supported',
    note: 'Access-Control-Allow-Headers; default DNT,Keep-Alive,User-Agent,X-Requested-With,If-Modified-Since,Cache-Control,Content-Type,Range,Authorization',
  },
  {
    key: 'cors-expose-headers',
    status: 'supported',
    note: 'Access-Control-Expose-Headers (names or *); not sent by default',
  },
  {
    key: 'cors-allow-credentials',
    status: 'supported',
    note: 'Access-Control-Allow-Credentials: true; default true',
  },
  { key: 'cors-max-age', status: 'supported', note: 'Access-Control-Max-Age in seconds; default 1728000' },
]);

export const buffering: AnnotationEntry[] = [
  ...family('Client Body Buffer Size', `${DOCS}#client-body-buffer-size`, [
    { key: 'client-body-buffer-size', status: 'refused', note: STREAMS },
  ]),
  ...family('Proxy buffering', `${DOCS}#proxy-buffering`, [
    { key: 'proxy-buffering', status: 'refused', note: STREAMS },
  ]),
  ...family('Proxy buffers number', `${DOCS}#proxy-buffers-number`, [
    { key: 'proxy-buffers-number', status: 'refused', note: STREAMS },
  ]),
  ...family('Proxy buffer size', `${DOCS}#proxy-buffer-size`, [
    { key: 'proxy-buffer-size', status: 'refused', note: STREAMS },
  ]),
  ...family('Proxy busy buffers size', `${DOCS}#proxy-busy-buffers-size`, [
    { key: 'proxy-busy-buffers-size', status: 'refused', note: STREAMS },
  ]),
  ...family('Proxy max temp file size', `${DOCS}#proxy-max-temp-file-size`, [
    { key: 'proxy-max-temp-file-size', status: 'refused', note: 'Gatehouse never buffers responses to disk' },
  ]),
  ...family('FastCGI (undocumented)', 'ingress-nginx internal/ingress/annotations/fastcgi', [
    { key: 'fastcgi-index', status: 'refused', note: 'Gatehouse speaks HTTP to backends, not FastCGI' },
    {
      key: 'fastcgi-params-configmap',
      status: 'refused',
      note: 'Gatehouse speaks HTTP to backends, not FastCGI',
    },
  ]),
];

export const tlsAndLogs: AnnotationEntry[] = [
  ...family('SSL ciphers', `${DOCS}#ssl-ciphers`, [
    {
      key: 'ssl-ciphers',
      status: 'supported',
      note: "the host's OpenSSL TLS 1.2 cipher list (TLS 1.3 suites are OpenSSL's apart, as in nginx, and keep Gatehouse's); a list OpenSSL refuses, or one naming TLS_* suites, is a Warning and the host keeps the default list",
    },
    {
      key: 'ssl-prefer-server-ciphers',
      status: 'supported',
      note: '"true": the server\'s cipher order wins, "false": the client\'s; Gatehouse\'s default is the server\'s order',
    },
  ]),
  ...family('HTTP2 Push Preload', `${DOCS}#http2-push-preload`, [
    {
      key: 'http2-push-preload',
      status: 'refused',
      note: 'HTTP/2 server push is gone from browsers and from ingress-nginx',
    },
  ]),
  ...family('Enable Access Log', `${DOCS}#enable-access-log`, [
    {
      key: 'enable-access-log',
      status: 'supported',
      note: '"false" leaves the Ingress\'s requests out of the access log (--access-log)',
    },
  ]),
  ...family('Enable Opentelemetry', `${DOCS}#enable-opentelemetry`, [
    { key: 'enable-opentelemetry', status: 'pending', note: `OpenTelemetry spans per request: ${TODO}` },
  ]),
  ...family('Opentelemetry Trust Incoming Span', `${DOCS}#opentelemetry-trust-incoming-span`, [
    {
      key: 'opentelemetry-trust-incoming-span',
      status: 'pending',
      note: `continue the client's trace: ${TODO}`,
    },
  ]),
  ...family(
    'Enable Opentelemetry',
    'ingress-nginx internal/ingress/annotations/opentelemetry (undocumented)',
    [{ key: 'opentelemetry-operation-name', status: 'pending', note: `span name: ${TODO}` }],
  ),
];

// ModSecurity's recommended configuration, which ingress-nginx loads, runs in DetectionOnly mode, so
// enabling it (or the OWASP rules) blocks nothing; only a snippet can switch SecRuleEngine On.
export const modsecurity: AnnotationEntry[] = [
  ...family('ModSecurity', `${DOCS}#modsecurity`, [
    {
      key: 'enable-modsecurity',
      status: 'refused',
      note: 'no ModSecurity WAF in Gatehouse (detection-only in ingress-nginx by default)',
    },
    {
      key: 'enable-owasp-core-rules',
      status: 'refused',
      note: 'no ModSecurity WAF in Gatehouse (detection-only in ingress-nginx by default)',
    },
    { key: 'modsecurity-transaction-id', status: 'refused', note: 'no ModSecurity WAF in Gatehouse' },
  ]),
  ...family(
    'ModSecurity',
    `${DOCS}#modsecurity`,
    [
      {
        key: 'modsecurity-snippet',
        status: 'refused',
        note: 'raw ModSecurity rules (may block requests); no WAF in Gatehouse',
      },
    ],
    true,
  ),
];

// A snippet is raw nginx and may hold `deny all`, `allow` or `auth_request`: behind
// --allow-snippet-annotations a strict grammar of it is translated into typed filters (snippet/);
// ignored (flag off) or refused, one that names an access directive fails closed.
const GRAMMAR =
  'add_header, more_set_headers, more_clear_headers, proxy_hide_header, proxy_set_header, more_set_input_headers, more_clear_input_headers, return, rewrite, allow/deny, expires';
const SNIPPET_NOTE =
  `with --allow-snippet-annotations (off by default, as ingress-nginx), a strict grammar translated into typed filters, never templated: ${GRAMMAR}; ` +
  'anything else refuses the whole snippet; no nginx variables; rewrite last does not search locations again; expires with a time sends Cache-Control max-age only';
export const snippets: AnnotationEntry[] = [
  ...family(
    'Configuration snippet',
    `${DOCS}#configuration-snippet`,
    [
      {
        key: 'configuration-snippet',
        status: 'difference',
        note: `the Ingress's own routes: ${SNIPPET_NOTE}`,
      },
    ],
    true,
  ),
  ...family(
    'Server snippet',
    `${DOCS}#server-snippet`,
    [
      {
        key: 'server-snippet',
        status: 'difference',
        note: `every route of the Ingress's hosts (the oldest Ingress's per host): ${SNIPPET_NOTE}`,
      },
    ],
    true,
  ),
  ...family('Stream snippet', `${DOCS}#stream-snippet`, [
    {
      key: 'stream-snippet',
      status: 'refused',
      note: 'raw nginx for TCP/UDP streams; Gatehouse never templates nginx configuration',
    },
  ]),
];
