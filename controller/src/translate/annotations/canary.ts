// Canary Ingresses: a second Ingress for the same host and path that takes part of the traffic.
import { type AnnotationEntry, DOCS, family } from './types.ts';

const TODO = 'not implemented yet; a canary Ingress is reported as a route conflict today';

export const canary: AnnotationEntry[] = family('Canary', `${DOCS}#canary`, [
  { key: 'canary', status: 'pending', note: `marks the Ingress as a canary of the main one: ${TODO}` },
  { key: 'canary-by-header', status: 'pending', note: `header that sends a request to the canary: ${TODO}` },
  { key: 'canary-by-header-value', status: 'pending', note: `header value that selects the canary: ${TODO}` },
  {
    key: 'canary-by-header-pattern',
    status: 'pending',
    note: `header regex that selects the canary: ${TODO}`,
  },
  { key: 'canary-by-cookie', status: 'pending', note: `cookie that sends a request to the canary: ${TODO}` },
  { key: 'canary-weight', status: 'pending', note: `share of requests sent to the canary: ${TODO}` },
  {
    key: 'canary-weight-total',
    status: 'pending',
    note: `total canary-weight is a share of (default 100): ${TODO}`,
  },
]);
