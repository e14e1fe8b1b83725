// Session affinity: a cookie pins a client to one endpoint.
import { type AnnotationEntry, DOCS, family } from './types.ts';

const TODO = 'not implemented yet';

export const affinity: AnnotationEntry[] = [
  ...family('Session Affinity', `${DOCS}#session-affinity`, [
    { key: 'affinity', status: 'pending', note: `cookie affinity to one endpoint: ${TODO}` },
    { key: 'affinity-mode', status: 'pending', note: `balanced or persistent: ${TODO}` },
    {
      key: 'affinity-canary-behavior',
      status: 'pending',
      note: `sticky or legacy canary stickiness: ${TODO}`,
    },
  ]),
  ...family('Cookie affinity', `${DOCS}#cookie-affinity`, [
    {
      key: 'session-cookie-name',
      status: 'pending',
      note: `affinity cookie name (default INGRESSCOOKIE): ${TODO}`,
    },
    { key: 'session-cookie-path', status: 'pending', note: `affinity cookie Path: ${TODO}` },
    { key: 'session-cookie-domain', status: 'pending', note: `affinity cookie Domain: ${TODO}` },
    {
      key: 'session-cookie-expires',
      status: 'pending',
      note: `affinity cookie Expires, in seconds: ${TODO}`,
    },
    { key: 'session-cookie-max-age', status: 'pending', note: `affinity cookie Max-Age: ${TODO}` },
    { key: 'session-cookie-samesite', status: 'pending', note: `affinity cookie SameSite: ${TODO}` },
    {
      key: 'session-cookie-conditional-samesite-none',
      status: 'pending',
      note: `omit SameSite=None for incompatible browsers: ${TODO}`,
    },
    { key: 'session-cookie-secure', status: 'pending', note: `affinity cookie Secure attribute: ${TODO}` },
    {
      key: 'session-cookie-change-on-failure',
      status: 'pending',
      note: `new endpoint and cookie after a failure: ${TODO}`,
    },
  ]),
];
