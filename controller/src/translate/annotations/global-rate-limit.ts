// global-rate-limit, -window, -key, -ignored-cidrs (ingress-nginx before v1.12: annotations.md
// #global-rate-limiting; internal/ingress/annotations/globalratelimit/main.go: Limit and
// WindowSize both needed, the window a Go duration in whole seconds, the key `$remote_addr` by
// default, ignored CIDRs parsed by net.ParseCIDRs, the budget named after the Ingress) →
// Route.globalRateLimit. Shared by every replica through --rate-limit-store.
import type { GlobalRateLimit } from '../../../../dataplane/src/table/types.ts';
import { cidrs } from './source-ranges.ts';
import type { AnnotationValues } from './values.ts';

/** nginx variables that name the client address, the only key Gatehouse counts by. */
const CLIENT_KEYS = ['$remote_addr', '$binary_remote_addr'];
/** Go's time.ParseDuration units, in seconds (sub-second ones are truncated as WindowSize is). */
const UNIT: Record<string, number> = { ns: 1e-9, us: 1e-6, µs: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };
const GO_DURATION = /^([0-9]+(?:\.[0-9]*)?)(ns|us|µs|ms|s|m|h)/;

export type GlobalRateLimits =
  | { readonly kind: 'none' }
  | { readonly kind: 'limit'; readonly limit: GlobalRateLimit }
  | { readonly kind: 'denied' };

export function parseGlobalRateLimit(values: AnnotationValues, zone: string): GlobalRateLimits {
  const rawLimit = values.raw('global-rate-limit');
  const rawWindow = values.raw('global-rate-limit-window');
  if (rawLimit === undefined && rawWindow === undefined) return { kind: 'none' };
  const text = (rawLimit ?? '0').trim();
  if (!/^\+?[0-9]{1,10}$/.test(text) || Number(text) > 1_000_000_000) {
    values.denied('global-rate-limit', rawLimit ?? '', 'it is not a whole number from 0 to 1000000000');
    return { kind: 'denied' };
  }
  const limit = Number(text);
  const windowSeconds = rawWindow === undefined ? 0 : seconds(rawWindow.trim());
  if (windowSeconds === undefined || windowSeconds > 31_536_000) {
    values.denied('global-rate-limit-window', rawWindow ?? '', 'it is not a Go duration such as 1m or 30s');
    return { kind: 'denied' };
  }
  // globalratelimit/main.go: without both a limit and a window of a second or more, no limit.
  if (limit === 0 || windowSeconds === 0) return { kind: 'none' };
  const key = values.raw('global-rate-limit-key')?.trim();
  if (key !== undefined && key !== '' && !CLIENT_KEYS.includes(key)) {
    values.denied('global-rate-limit-key', key, 'Gatehouse counts by the client address ($remote_addr) only');
    return { kind: 'denied' };
  }
  const ignored = values.raw('global-rate-limit-ignored-cidrs');
  const exempt =
    ignored === undefined || ignored.trim() === '' ? null : cidrs(values, 'global-rate-limit-ignored-cidrs');
  if (exempt === undefined) return { kind: 'denied' };
  const result: GlobalRateLimit = { zone, limit, windowSeconds };
  if (exempt !== null) result.exempt = exempt;
  return { kind: 'limit', limit: result };
}

/** A Go duration (`1m`, `1h30m`, `90s`, `1.5m`) in whole seconds; undefined when it is not one. */
function seconds(text: string): number | undefined {
  if (text === '' || text === '0') return text === '0' ? 0 : undefined;
  let rest = text;
  let total = 0;
  while (rest !== '') {
    const m = GO_DURATION.exec(rest);
    if (m === null) return undefined;
    total += Number(m[1]) * UNIT[m[2]];
    rest = rest.slice(m[0].length);
  }
  return Math.floor(total + 1e-9);
}
