// Canary Ingresses: a second Ingress for the same host and path that takes part of the traffic.
// Parsed as ingress-nginx's internal/ingress/annotations/canary/main.go; the request-time decision
// (rootfs/etc/nginx/lua/balancer.lua route_to_alternative_balancer) becomes routes: see merge-canaries.ts.
import { type AnnotationEntry, DOCS, family } from './types.ts';

export const canary: AnnotationEntry[] = family('Canary', `${DOCS}#canary`, [
  {
    key: 'canary',
    status: 'difference',
    note:
      'marks the Ingress as a canary of the Ingress with the same host, path and pathType — in its own ' +
      "namespace only, so no tenant can divert another's traffic; without one it serves nothing; its other " +
      'annotations are ignored but for load-balance, upstream-hash-by and affinity',
  },
  {
    key: 'canary-by-header',
    status: 'supported',
    note: 'header value "always" sends the request to the canary, "never" to the main backend; first in precedence',
  },
  {
    key: 'canary-by-header-value',
    status: 'supported',
    note: 'this exact header value sends the request to the canary (instead of "always"/"never")',
  },
  {
    key: 'canary-by-header-pattern',
    status: 'difference',
    note:
      'a header value the regex finds a match in sends the request to the canary; the regex runs on ' +
      "Gatehouse's engine, not PCRE; an invalid regex sends requests carrying the header to the main backend",
  },
  {
    key: 'canary-by-cookie',
    status: 'supported',
    note: 'cookie value "always" sends the request to the canary, "never" to the main backend; after the header',
  },
  {
    key: 'canary-weight',
    status: 'supported',
    note:
      'share of the remaining requests sent to the canary (out of canary-weight-total), split by smooth ' +
      'weighted round robin per worker where ingress-nginx draws at random',
  },
  {
    key: 'canary-weight-total',
    status: 'supported',
    note: 'what canary-weight is a share of (default 100; a total below 100 counts as 100, as ingress-nginx)',
  },
]);

/** How requests choose the canary, as ingress-nginx's traffic shaping policy. */
export interface CanarySpec {
  /** canary-by-header, when set and valid. */
  header?: CanaryHeader;
  /** canary-by-cookie, when set and valid. */
  cookie?: string;
  /** canary-weight, clamped to 0…weightTotal. */
  weight: number;
  /** canary-weight-total, at least 100 (balancer.lua ignores a smaller one). */
  weightTotal: number;
}

export type CanaryHeader =
  | { name: string; mode: 'always-never' }
  | { name: string; mode: 'value'; value: string }
  /** `valid` false: the regex does not compile, and a request with the header goes to the main backend. */
  | { name: string; mode: 'pattern'; pattern: string; valid: boolean };

export interface CanaryProblem {
  /** The key without prefix. */
  key: string;
  message: string;
}

export interface ParsedCanary {
  /** Undefined: not a canary Ingress. */
  spec: CanarySpec | undefined;
  problems: CanaryProblem[];
}

/** Annotations ingress-nginx still reads on a canary Ingress (annotations.md#canary, the note). */
export function keptOnCanary(key: string): boolean {
  return (
    key.startsWith('canary') ||
    key === 'load-balance' ||
    key === 'upstream-hash-by' ||
    key.startsWith('upstream-hash-by-') ||
    key.startsWith('affinity') ||
    key.startsWith('session-cookie-')
  );
}

// parser.BasicCharsRegex and parser.IsValidRegex, checked with spaces removed as ValidateRegex does.
const BASIC_CHARS = /^[/\-._~a-zA-Z0-9:]*$/;
const REGEX_CHARS = /^[/\-._~a-zA-Z0-9:^$[\](){}*+?|&=\\]*$/;
/** Go's strconv.ParseBool, which parser.GetBoolAnnotation uses. */
const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);
/** strconv.Atoi on a 64-bit int, as far as a weight needs. */
const INTEGER = /^[+-]?[0-9]+$/;

/** Reads the canary-* annotations under `prefix`; a problem is a value ingress-nginx also replaces by its default. */
export function parseCanary(annotations: Readonly<Record<string, unknown>>, prefix: string): ParsedCanary {
  const problems: CanaryProblem[] = [];
  const get = (key: string): string | undefined => {
    const raw = annotations[`${prefix}/${key}`];
    // GetStringAnnotation treats an empty value as missing.
    return raw === undefined || raw === '' ? undefined : String(raw);
  };
  const chars = (key: string, allowed: RegExp): string => {
    const value = get(key);
    if (value === undefined) return '';
    if (allowed.test(value.replaceAll(' ', ''))) return value;
    problems.push({
      key,
      message: `${JSON.stringify(value)} has characters ingress-nginx refuses; it is ignored`,
    });
    return '';
  };
  const integer = (key: string, fallback: number): number => {
    const value = get(key);
    if (value === undefined) return fallback;
    if (INTEGER.test(value) && Number.isSafeInteger(Number(value))) return Number(value);
    problems.push({ key, message: `${JSON.stringify(value)} is not an integer; ${fallback} is used` });
    return fallback;
  };

  const enabledRaw = get('canary');
  let enabled = false;
  if (enabledRaw !== undefined) {
    if (TRUE.has(enabledRaw)) enabled = true;
    else if (!FALSE.has(enabledRaw))
      problems.push({
        key: 'canary',
        message: `${JSON.stringify(enabledRaw)} is not a boolean; false is used`,
      });
  }
  const weight = integer('canary-weight', 0);
  const total = integer('canary-weight-total', 100);
  const headerName = chars('canary-by-header', BASIC_CHARS);
  const headerValue = chars('canary-by-header-value', BASIC_CHARS);
  const headerPattern = chars('canary-by-header-pattern', REGEX_CHARS);
  const cookie = chars('canary-by-cookie', BASIC_CHARS);

  if (!enabled) {
    if (weight > 0 || headerName !== '' || headerValue !== '' || headerPattern !== '' || cookie !== '')
      problems.push({
        key: 'canary',
        message:
          'canary-* annotations are set but canary is not "true"; they are ignored (configured but not enabled)',
      });
    return { spec: undefined, problems };
  }
  // balancer.lua: `if weightTotal > 100 then use it`, so a smaller total is 100.
  const weightTotal = Math.max(total, 100);
  if (get('canary-weight-total') !== undefined && total < 100)
    problems.push({
      key: 'canary-weight-total',
      message: `${total} is below 100, and ingress-nginx then divides by 100; so does Gatehouse`,
    });
  const spec: CanarySpec = { weight: Math.min(Math.max(weight, 0), weightTotal), weightTotal };
  if (headerName !== '') spec.header = canaryHeader(headerName, headerValue, headerPattern);
  if (cookie !== '') spec.cookie = cookie;
  return { spec, problems };
}

// The value wins over the pattern (annotations.md: "when canary-by-header-value is set this
// annotation will be ignored"); neither: the literal values "always" and "never".
function canaryHeader(name: string, value: string, pattern: string): CanaryHeader {
  if (value !== '') return { name, mode: 'value', value };
  if (pattern !== '') return { name, mode: 'pattern', pattern, valid: compiles(pattern) };
  return { name, mode: 'always-never' };
}

function compiles(pattern: string): boolean {
  try {
    new RegExp(pattern, 'u');
    return true;
  } catch {
    return false;
  }
}
