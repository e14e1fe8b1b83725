// enable-cors and cors-* (ingress-nginx annotations.md#enable-cors; internal/ingress/annotations/
// cors/main.go) → Route.cors. Each invalid value is reported and its ingress-nginx default applies,
// as its parser does; CORS restricts what browsers read, not who is answered, so nothing closes.
import type { CorsPolicy } from '../../../../dataplane/src/table/types.ts';
import { type AnnotationValues, hasControlCharacter } from './values.ts';

/** cors/main.go defaults (also annotations.md). */
export const DEFAULT_CORS_METHODS = 'GET, PUT, POST, DELETE, PATCH, OPTIONS';
export const DEFAULT_CORS_HEADERS =
  'DNT,Keep-Alive,User-Agent,X-Requested-With,If-Modified-Since,Cache-Control,Content-Type,Range,Authorization';
export const DEFAULT_CORS_MAX_AGE = 1728000;

// cors/main.go's regexes. Go's are RE2; `([A-Za-z]+,?\s?)+` would backtrack exponentially here, so
// the lists are written as the same languages without nested repeats (control characters, `\s`
// other than a space included, are refused before).
/** The route table's bound (dataplane/src/table/schema.ts). */
const MAX_ORIGINS = 4096;
/** corsOriginRegex, per origin. */
const ORIGIN = /^(?:[a-z]+:\/\/(?:\*\.)?[A-Za-z0-9\-.]*(?::\d+)?|\*|null)?$/;
/** corsMethodsRegex `^([A-Za-z]+,?\s?)+$`. */
const METHODS = /^[A-Za-z]+(?:(?:, ?| )[A-Za-z]+)*(?:, ?| )?$/;
/** parser.HeadersVariable `^[A-Za-z0-9-_, ]*$`. */
const HEADERS = /^[A-Za-z0-9_, -]*$/;
/** corsExposeHeadersRegex `^(([A-Za-z0-9\-\_]+|\*),?\s?)+$`. */
const EXPOSE = /^[A-Za-z0-9_*-]+(?:(?:, ?| )[A-Za-z0-9_*-]+)*(?:, ?| )?$/;

/** Route.cors, or undefined when enable-cors is not true (the cors-* keys alone do nothing). */
export function parseCors(values: AnnotationValues): CorsPolicy | undefined {
  const enabled = values.boolean('enable-cors');
  // Read anyway, so an invalid value is reported whether or not CORS is on.
  const allowOrigins = parseOrigins(values);
  const allowMethods =
    listValue(values, 'cors-allow-methods', METHODS, 1024, 'a list of method names') ?? DEFAULT_CORS_METHODS;
  const allowHeaders =
    listValue(values, 'cors-allow-headers', HEADERS, 4096, 'a list of header names') ?? DEFAULT_CORS_HEADERS;
  const exposeHeaders = listValue(values, 'cors-expose-headers', EXPOSE, 4096, 'a list of header names or *');
  const allowCredentials = values.boolean('cors-allow-credentials') ?? true;
  const maxAgeSeconds =
    values.integer('cors-max-age', { type: 'integer', minimum: -2147483648, maximum: 2147483647 }) ??
    DEFAULT_CORS_MAX_AGE;
  // No origin left once the invalid entries are skipped: ingress-nginx's `{{ if $cors.CorsAllowOrigin }}`
  // never sets $cors, so no answer gets CORS headers and no preflight is answered.
  if (enabled !== true || allowOrigins.length === 0) return undefined;
  const policy: CorsPolicy = { allowOrigins, allowMethods, allowHeaders, allowCredentials, maxAgeSeconds };
  if (exposeHeaders !== undefined) policy.exposeHeaders = exposeHeaders;
  return policy;
}

/**
 * cors-allow-origin: absent → `*`; a value the validator refuses as a whole → `*` too (ingress-nginx
 * falls back to its default); otherwise each entry is checked and a bad one skipped (cors/main.go).
 */
function parseOrigins(values: AnnotationValues): string[] {
  const value = values.text('cors-allow-origin');
  if (value === undefined) return ['*'];
  if (hasControlCharacter(value) || !originsValueValid(value.replaceAll(' ', ''))) {
    values.invalid(
      'cors-allow-origin',
      value,
      'origins are scheme://host[:port], scheme://*.host[:port], null or *',
    );
    return ['*'];
  }
  const origins: string[] = [];
  for (const part of value.split(',')) {
    const origin = part.trim();
    if (origin === '') continue;
    if (origin === '*') return ['*'];
    if (origin.length > 1024 || !ORIGIN.test(origin)) {
      values.invalid(
        'cors-allow-origin',
        origin,
        'an origin needs its scheme (https://host); this one is skipped',
      );
      continue;
    }
    if (!origins.includes(origin)) origins.push(origin);
  }
  if (origins.length > MAX_ORIGINS) {
    values.invalid(
      'cors-allow-origin',
      `${origins.length} origins`,
      `Gatehouse takes at most ${MAX_ORIGINS}`,
    );
    return ['*'];
  }
  return origins;
}

/**
 * corsOriginRegexValidator `^((((([a-z]+://)?(\*\.)?[A-Za-z0-9\-.]*(:\d+)?,?)|null)+)|\*)?$` in one
 * linear scan: its items may follow each other without a comma, so what it really asks is that
 * each `*` starts `*.`, each `:` starts a port or a `://` after a lower-case scheme letter, and
 * no other character than letters, digits, `.`, `-` and `,` appears.
 */
function originsValueValid(value: string): boolean {
  if (value === '*') return true;
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (/[A-Za-z0-9.,-]/.test(c)) continue;
    if (c === '*' && value[i + 1] === '.') continue;
    if (c !== ':') return false;
    if (/[0-9]/.test(value[i + 1] ?? '')) continue;
    if (value[i + 1] !== '/' || value[i + 2] !== '/' || !/[a-z]/.test(value[i - 1] ?? '')) return false;
    i += 2;
  }
  return true;
}

/** A list value checked as ingress-nginx checks it: spaces removed, then as written (trimmed). */
function listValue(
  values: AnnotationValues,
  key: string,
  pattern: RegExp,
  maxLength: number,
  what: string,
): string | undefined {
  const value = values.text(key);
  if (value === undefined) return undefined;
  if (value.length > maxLength)
    return values.invalid(key, value, `it is longer than ${maxLength} characters`);
  if (hasControlCharacter(value) || !pattern.test(value.replaceAll(' ', '')) || !pattern.test(value)) {
    return values.invalid(key, value, `it must be ${what}, separated by commas`);
  }
  return value;
}
