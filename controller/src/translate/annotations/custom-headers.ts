// custom-headers: response headers from a ConfigMap of the Ingress's namespace, set on every answer
// of its routes (ingress-nginx annotations.md#custom-headers, internal/ingress/annotations/
// customheaders/main.go, test/e2e/annotations/customheaders.go). Parsing is pure; the ConfigMap is
// read when the snapshot is at hand (resolveCustomHeaders).
import type { HeaderModifierFilter, HeaderValue } from '../../../../dataplane/src/table/types.ts';
import { isRecord } from '../guard.ts';
import { objectKey, type SnapshotIndex } from '../lookup.ts';
import type { AnnotationValues } from './values.ts';

/** What the annotation asks; the ConfigMap is read later. `denied`: why the routes answer 503. */
export interface CustomHeadersRequest {
  configMap?: { namespace: string; name: string };
  denied?: string;
}

/** customheaders.headerRegexp: letters, digits, `-` and `_` (stricter than an RFC 9110 token). */
const HEADER_NAME = /^[a-zA-Z\d\-_]+$/;
/** customheaders.valueRegexp: printable ASCII and space, never empty; no CR, LF or other control. */
const HEADER_VALUE = /^[a-zA-Z\d_ :;.,\\/"'?!(){}[\]@<>=\-+*#$&`|~^%]+$/;
/** A ResponseHeaderModifier's `set` holds at most this many (the table's bound, schema.ts). */
export const MAX_CUSTOM_HEADERS = 64;
/** The table's bound on a header value (schema.ts headerValueString). */
export const MAX_CUSTOM_HEADER_VALUE = 8192;
/** How many bad keys a diagnostic spells out. */
const NAMED = 5;

const KEY = 'custom-headers';

/** The annotation, or undefined when unset. ingress-nginx reads it as `namespace/name` (store key). */
export function parseCustomHeaders(
  values: AnnotationValues,
  namespace: string,
): CustomHeadersRequest | undefined {
  const text = values.text(KEY);
  if (text === undefined) return undefined;
  const parts = text.split('/');
  // The store is keyed namespace/name: a bare name is never found there (LocationDenied, 503).
  if (parts.length !== 2 || parts[0] === '' || parts[1] === '')
    return { denied: `custom-headers "${text}" is not namespace/configMapName; the routes answer 503` };
  // "Only ConfigMaps on the same namespace are allowed" (allow-cross-namespace-resources off since v1.12).
  if (parts[0] !== namespace)
    return {
      denied:
        `custom-headers "${text}" is in another namespace; only ConfigMaps of the Ingress's own ` +
        `namespace "${namespace}" are read, and the routes answer 503`,
    };
  return { configMap: { namespace, name: parts[1] as string } };
}

export type CustomHeadersResolution =
  | { ok: true; filter: HeaderModifierFilter }
  | { ok: false; message: string };

/**
 * The ConfigMap's data as a ResponseHeaderModifier that sets each header (nginx more_set_headers
 * replaces the upstream's). As ingress-nginx, one bad entry denies the whole annotation (503): a
 * missing ConfigMap, a name or value its regexes refuse, or a name outside
 * global-allowed-response-headers (exact, case-sensitive, as slices.Contains; empty by default).
 */
export function resolveCustomHeaders(
  request: CustomHeadersRequest,
  index: SnapshotIndex,
  allowed: ReadonlySet<string>,
): CustomHeadersResolution {
  if (request.denied !== undefined) return { ok: false, message: request.denied };
  const { namespace, name } = request.configMap!;
  const configMap = index.configMaps.get(objectKey(namespace, name));
  if (configMap === undefined)
    return {
      ok: false,
      message: `custom-headers: ConfigMap ${namespace}/${name} not found; the routes answer 503`,
    };
  const data = isRecord(configMap.data) ? configMap.data : {};
  const names = Object.keys(data).sort();
  if (names.length > MAX_CUSTOM_HEADERS)
    return {
      ok: false,
      message: `custom-headers: ConfigMap ${namespace}/${name} has ${names.length} headers, more than ${MAX_CUSTOM_HEADERS}; the routes answer 503`,
    };
  const problems: string[] = [];
  const set: HeaderValue[] = [];
  for (const header of names) {
    const value = data[header];
    if (!HEADER_NAME.test(header)) problems.push(`${JSON.stringify(header)} is not a valid header name`);
    else if (typeof value !== 'string' || !HEADER_VALUE.test(value) || value.length > MAX_CUSTOM_HEADER_VALUE)
      problems.push(`the value of ${header} is not a valid header value`);
    else if (!allowed.has(header)) problems.push(`${header} is not in --global-allowed-response-headers`);
    else set.push({ name: header, value });
  }
  if (problems.length > 0) {
    const more = problems.length > NAMED ? ` and ${problems.length - NAMED} more` : '';
    return {
      ok: false,
      message: `custom-headers: ConfigMap ${namespace}/${name}: ${problems.slice(0, NAMED).join('; ')}${more}; the routes answer 503`,
    };
  }
  return { ok: true, filter: { type: 'ResponseHeaderModifier', set } };
}
