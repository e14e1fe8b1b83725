// Annotations that add host names or answer a host's requests before any location: app-root,
// from-to-www-redirect and server-alias (ingress-nginx rewrite/main.go, redirect/redirect.go,
// alias/main.go). Parsed here; added to the table's hosts by apply-hosts.ts.
import { normaliseHost } from '../hosts.ts';
import type { AnnotationValues } from './values.ts';

export interface HostSettings {
  /** app-root: a request for exactly `/` is answered 302 with this path. */
  appRoot?: string;
  /** from-to-www-redirect: `www.host` redirects to `host`, or the reverse for a www. rule. */
  fromToWww?: boolean;
  /** server-alias: more host names served by the rule hosts' routes, lower-case, sorted. */
  aliases?: string[];
}

/** rewrite/main.go validates app-root with parser.RegexPathWithCapture, then url.ParseRequestURI. */
const APP_ROOT = /^\/[-._~a-zA-Z0-9/:]*$/;

/**
 * app-root: an absolute path (ingress-nginx refuses a URL with a scheme). Gatehouse also refuses
 * `$`, which nginx would expand as a variable in `return 302 $scheme://$http_host<app-root>`.
 */
export function parseAppRoot(values: AnnotationValues): string | undefined {
  const root = values.text('app-root');
  if (root === undefined) return undefined;
  if (!APP_ROOT.test(root)) {
    return values.invalid('app-root', root, 'it is not a path starting with "/" (letters, digits, "-._~/:")');
  }
  return root;
}

/** from-to-www-redirect: a boolean, false by default. */
export function parseFromToWww(values: AnnotationValues): boolean {
  return values.boolean('from-to-www-redirect') === true;
}

/**
 * server-alias: comma-separated names, trimmed, empty ones skipped, deduplicated and sorted as in
 * alias/main.go. nginx would also take regexes and `name.*`; Gatehouse serves DNS names and
 * `*.name` wildcards, and as ingress-nginx's validator refuses the whole value on one bad name.
 */
export function parseServerAlias(values: AnnotationValues): string[] | undefined {
  const raw = values.text('server-alias');
  if (raw === undefined) return undefined;
  const aliases = new Set<string>();
  for (const part of raw.split(',')) {
    const name = part.trim();
    if (name === '') continue;
    const check = normaliseHost(name);
    if (!check.ok) return values.invalid('server-alias', raw, check.message);
    aliases.add(check.host);
  }
  return aliases.size === 0 ? undefined : [...aliases].sort();
}
