// whitelist-source-range / allowlist-source-range and denylist-source-range (ingress-nginx
// annotations.md#whitelist-source-range, #denylist-source-range; internal/ingress/annotations/
// ipallowlist and ipdenylist) → Route.clientAccess, nginx.tmpl's order: the deny list's `deny`
// lines, then the allow list's `allow` lines and `deny all`.
import { isAddressOrCidr } from '../../../../dataplane/src/table/cidr.ts';
import type { ClientAccess, ClientAccessRule } from '../../../../dataplane/src/table/types.ts';
import type { AnnotationValues } from './values.ts';

const ALLOW = 'allowlist-source-range';
/** ingress-nginx's alias, read only when allowlist-source-range is absent or empty (parser checkAnnotation). */
const ALLOW_ALIAS = 'whitelist-source-range';
const DENY = 'denylist-source-range';
/** The route table's bound on one rule (dataplane/src/table/schema.ts). */
const MAX_CIDRS = 4096;

/** Parsed source ranges: the rules, or `denied` when a value cannot be honoured (answer 503). */
export type SourceRanges =
  | { readonly kind: 'none' }
  | { readonly kind: 'rules'; readonly access: ClientAccess }
  | { readonly kind: 'denied' };

export function parseSourceRanges(values: AnnotationValues): SourceRanges {
  const allowKey = allowListKey(values);
  const deny = cidrs(values, DENY);
  const allow = allowKey === undefined ? null : cidrs(values, allowKey);
  if (deny === undefined || allow === undefined) return { kind: 'denied' };
  const rules: ClientAccessRule[] = [];
  if (deny !== null) rules.push({ action: 'deny', cidrs: deny });
  if (allow !== null) rules.push({ action: 'allow', cidrs: allow });
  if (rules.length === 0) return { kind: 'none' };
  return { kind: 'rules', access: { rules, otherwise: allow !== null ? 'deny' : 'allow' } };
}

/** The key ingress-nginx reads the allow list from: allowlist-, else its whitelist- alias when set. */
function allowListKey(values: AnnotationValues): string | undefined {
  const allow = values.raw(ALLOW);
  if (allow !== undefined && allow !== '') return ALLOW;
  const alias = values.raw(ALLOW_ALIAS);
  if (alias !== undefined && alias !== '') return ALLOW_ALIAS;
  // Present but empty: ingress-nginx's parseString refuses "" and denies the location.
  return allow === undefined ? undefined : ALLOW;
}

/**
 * The comma-separated list of `key`: null when absent; undefined (reported) when ingress-nginx
 * would deny the location: an empty value, or any entry that is not an address or CIDR
 * (net.ParseIPNets fails on the first one, so one bad entry refuses the whole annotation).
 */
export function cidrs(values: AnnotationValues, key: string): string[] | null | undefined {
  const raw = values.raw(key);
  if (raw === undefined) return null;
  if (raw.trim() === '') {
    values.denied(key, raw, 'it is empty');
    return undefined;
  }
  const list: string[] = [];
  for (const part of raw.split(',')) {
    const entry = part.trim();
    if (!isAddressOrCidr(entry)) {
      values.denied(key, raw, `${JSON.stringify(entry)} is not an IP address or CIDR`);
      return undefined;
    }
    if (!list.includes(entry)) list.push(entry);
  }
  if (list.length > MAX_CIDRS) {
    values.denied(key, `${list.length} entries`, `Gatehouse takes at most ${MAX_CIDRS} per annotation`);
    return undefined;
  }
  return list;
}
