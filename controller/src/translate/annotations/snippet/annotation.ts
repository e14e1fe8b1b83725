// configuration-snippet and server-snippet (ingress-nginx annotations.md#configuration-snippet,
// #server-snippet) read from one Ingress. With --allow-snippet-annotations each is parsed into typed
// table values (parse.ts); a refused snippet is a Warning naming the directive and line, and the
// rest of the Ingress keeps serving — unless the snippet held an access directive, which fails closed.
import type { ClientAccess, Filter } from '../../../../../dataplane/src/table/types.ts';
import type { Diagnostic } from '../../../snapshot.ts';
import { ingressObject } from '../../diagnostics.ts';
import type { IngressView } from '../../lookup.ts';
import { snippetAccess, snippetFilters } from './filters.ts';
import { parseSnippet, restrictsAccess } from './parse.ts';

export const SNIPPET_KEYS = ['configuration-snippet', 'server-snippet'] as const;
export type SnippetKey = (typeof SNIPPET_KEYS)[number];

/** What an accepted snippet puts on a route. */
export interface SnippetSettings {
  filters: Filter[];
  access?: ClientAccess;
}

export interface IngressSnippets {
  /** configuration-snippet: the Ingress's own routes (ingress-nginx: its location blocks). */
  configuration?: SnippetSettings;
  /** server-snippet: every route of the Ingress's hosts (ingress-nginx: the server block). */
  server?: SnippetSettings;
  /** A refused snippet held an access directive: the Ingress is closed (503). */
  closed: boolean;
}

export function isSnippetKey(key: string): key is SnippetKey {
  return (SNIPPET_KEYS as readonly string[]).includes(key);
}

/** The raw text, untrimmed so that line numbers are the user's; undefined when absent or blank. */
function snippetText(ingress: IngressView, prefix: string, key: SnippetKey): string | undefined {
  const raw = ingress.annotations[`${prefix}/${key}`];
  if (raw === undefined || raw === null) return undefined;
  const text = typeof raw === 'string' ? raw : String(raw);
  return text.trim() === '' ? undefined : text;
}

/**
 * With the flag off (ingress-nginx ≥ 1.9's default), a snippet is ignored, as ingress-nginx ignores
 * it, with a Warning; returns whether it must close the Ingress (it holds an access directive).
 */
export function ignoreSnippet(
  ingress: IngressView,
  prefix: string,
  key: SnippetKey,
  diagnostics: Diagnostic[],
): boolean {
  const text = snippetText(ingress, prefix, key) ?? '';
  const closes = restrictsAccess(text);
  diagnostics.push({
    object: ingressObject(ingress.namespace, ingress.name),
    field: `metadata.annotations["${prefix}/${key}"]`,
    reason: 'SnippetAnnotationsDisabled',
    message:
      `"${prefix}/${key}" is ignored: snippets are translated only with --allow-snippet-annotations (off by default, as in ingress-nginx)` +
      (closes
        ? '; it holds an access directive (allow, deny, auth_*, satisfy), so the Ingress answers 503'
        : ''),
  });
  return closes;
}

/** Parses both snippets of an Ingress (the flag is on). */
export function readSnippets(
  ingress: IngressView,
  prefix: string,
  diagnostics: Diagnostic[],
): IngressSnippets {
  const result: IngressSnippets = { closed: false };
  for (const key of SNIPPET_KEYS) {
    const text = snippetText(ingress, prefix, key);
    if (text === undefined) continue;
    const parsed = parseSnippet(text);
    if (parsed.ok) {
      const settings: SnippetSettings = { filters: snippetFilters(parsed.rules) };
      const access = snippetAccess(parsed.rules);
      if (access !== undefined) settings.access = access;
      if (key === 'server-snippet') result.server = settings;
      else result.configuration = settings;
      continue;
    }
    const closes = restrictsAccess(text);
    if (closes) result.closed = true;
    const where =
      parsed.directive === undefined ? `line ${parsed.line}` : `line ${parsed.line}, "${parsed.directive}"`;
    diagnostics.push({
      object: ingressObject(ingress.namespace, ingress.name),
      field: `metadata.annotations["${prefix}/${key}"]`,
      reason: 'SnippetRefused',
      message:
        `"${prefix}/${key}" is refused whole (${where}): ${parsed.message}` +
        (closes
          ? '; it holds an access directive (allow, deny, auth_*, satisfy), so the Ingress answers 503'
          : '; the rest of the Ingress is served'),
    });
  }
  return result;
}
