// An accepted snippet's rules as route-table values: filters in nginx's order of phases (rewrite
// module answers and rewrites first, then header changes) and the clientAccess rules.
import type { ClientAccess, Filter, HeaderModifier } from '../../../../../dataplane/src/table/types.ts';
import { type SnippetRules, SUCCESS_STATUSES } from './directives.ts';

export function snippetFilters(rules: SnippetRules): Filter[] {
  const filters: Filter[] = [];
  if (rules.answer !== undefined) filters.push(structuredClone(rules.answer));
  if (rules.rewrite !== undefined) filters.push(structuredClone(rules.rewrite));
  const request = modifier(rules.requestHeaders);
  if (request !== undefined) filters.push({ type: 'RequestHeaderModifier', ...request });
  const response = modifier(rules.responseHeaders);
  if (response !== undefined) filters.push({ type: 'ResponseHeaderModifier', ...response });
  const success = modifier(rules.successResponseHeaders);
  if (success !== undefined)
    filters.push({ type: 'ResponseHeaderModifier', ...success, statuses: [...SUCCESS_STATUSES] });
  return filters;
}

export function snippetAccess(rules: SnippetRules): ClientAccess | undefined {
  return rules.access === undefined ? undefined : structuredClone(rules.access);
}

/** Only the non-empty lists; undefined when nothing changes. */
function modifier(m: Required<HeaderModifier>): HeaderModifier | undefined {
  const out: HeaderModifier = {};
  if (m.set.length > 0) out.set = structuredClone(m.set);
  if (m.add.length > 0) out.add = structuredClone(m.add);
  if (m.remove.length > 0) out.remove = [...m.remove];
  return Object.keys(out).length > 0 ? out : undefined;
}
