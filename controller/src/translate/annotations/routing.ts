// Paths, rewrites, redirects and request/response rewriting of one location.
import { type AnnotationEntry, DOCS, family } from './types.ts';

const TODO = 'not implemented yet';

export const rewrites: AnnotationEntry[] = [
  ...family('Rewrite', `${DOCS}#rewrite`, [
    {
      key: 'rewrite-target',
      status: 'pending',
      note: `path sent upstream, with $1… capture groups: ${TODO}`,
    },
    { key: 'app-root', status: 'pending', note: `redirect of / to the application root: ${TODO}` },
  ]),
  ...family('Use Regex', `${DOCS}#use-regex`, [
    { key: 'use-regex', status: 'pending', note: `paths as case-insensitive regexes, host-wide: ${TODO}` },
  ]),
  ...family('Enable Rewrite Log', `${DOCS}#enable-rewrite-log`, [
    {
      key: 'enable-rewrite-log',
      status: 'refused',
      note: "nginx's rewrite debug log; Gatehouse has no nginx rewrite engine to log",
    },
  ]),
  ...family('X-Forwarded-Prefix Header', `${DOCS}#x-forwarded-prefix-header`, [
    { key: 'x-forwarded-prefix', status: 'pending', note: `X-Forwarded-Prefix sent upstream: ${TODO}` },
  ]),
  ...family('Custom NGINX upstream vhost', `${DOCS}#custom-nginx-upstream-vhost`, [
    { key: 'upstream-vhost', status: 'pending', note: `Host header sent upstream: ${TODO}` },
  ]),
];

export const redirects: AnnotationEntry[] = [
  ...family('Permanent Redirect', `${DOCS}#permanent-redirect`, [
    { key: 'permanent-redirect', status: 'pending', note: `redirect every request to a URL: ${TODO}` },
    {
      key: 'permanent-redirect-code',
      status: 'pending',
      note: `status of permanent-redirect (default 301): ${TODO}`,
    },
  ]),
  ...family('Temporal Redirect', `${DOCS}#temporal-redirect`, [
    {
      key: 'temporal-redirect',
      status: 'pending',
      note: `temporary redirect of every request to a URL: ${TODO}`,
    },
    {
      key: 'temporal-redirect-code',
      status: 'pending',
      note: `status of temporal-redirect (default 302): ${TODO}`,
    },
  ]),
  ...family(
    'Server-side HTTPS enforcement through redirect',
    `${DOCS}#server-side-https-enforcement-through-redirect`,
    [
      {
        key: 'ssl-redirect',
        status: 'pending',
        note: `per-Ingress switch of the HTTP→HTTPS redirect: ${TODO}`,
      },
      {
        key: 'force-ssl-redirect',
        status: 'pending',
        note: `HTTPS redirect even without a TLS section: ${TODO}`,
      },
      {
        key: 'preserve-trailing-slash',
        status: 'pending',
        note: `keep a trailing slash in the HTTPS redirect: ${TODO}`,
      },
    ],
  ),
  ...family('Redirect from/to www', `${DOCS}#redirect-fromto-www`, [
    { key: 'from-to-www-redirect', status: 'pending', note: `redirect between www.host and host: ${TODO}` },
  ]),
  ...family(
    'Redirects (undocumented)',
    'ingress-nginx internal/ingress/annotations/redirect, portinredirect',
    [
      { key: 'relative-redirects', status: 'pending', note: `nginx absolute_redirect off: ${TODO}` },
      { key: 'use-port-in-redirects', status: 'pending', note: `nginx port_in_redirect: ${TODO}` },
    ],
  ),
];

export const hostsAndHeaders: AnnotationEntry[] = [
  ...family('Server Alias', `${DOCS}#server-alias`, [
    { key: 'server-alias', status: 'pending', note: `more host names served by the same rules: ${TODO}` },
  ]),
  ...family('Custom Headers', `${DOCS}#custom-headers`, [
    { key: 'custom-headers', status: 'pending', note: `response headers from a ConfigMap: ${TODO}` },
  ]),
  ...family('Proxy redirect', `${DOCS}#proxy-redirect`, [
    {
      key: 'proxy-redirect-from',
      status: 'pending',
      note: `Location header rewrite, the text replaced: ${TODO}`,
    },
    {
      key: 'proxy-redirect-to',
      status: 'pending',
      note: `Location header rewrite, the replacement: ${TODO}`,
    },
  ]),
  ...family('Proxy cookie domain', `${DOCS}#proxy-cookie-domain`, [
    { key: 'proxy-cookie-domain', status: 'pending', note: `Set-Cookie domain rewrite: ${TODO}` },
  ]),
  ...family('Proxy cookie path', `${DOCS}#proxy-cookie-path`, [
    { key: 'proxy-cookie-path', status: 'pending', note: `Set-Cookie path rewrite: ${TODO}` },
  ]),
];
