// ajv's check of a RoutePolicy with schema.ts, compiled once: what the apiserver refuses, sources
// refuse too (standalone manifests never meet an apiserver).
import { Ajv, type ErrorObject } from 'ajv';
import { KUBERNETES_KEYWORDS, routePolicySchema } from './schema.ts';
import type { RoutePolicy } from './types.ts';

const ajv = new Ajv({ allErrors: false, strict: true, strictRequired: false });
for (const keyword of KUBERNETES_KEYWORDS) ajv.addKeyword({ keyword, schemaType: ['string', 'array'] });
const check = ajv.compile(routePolicySchema);

export type PolicyCheck = { ok: true; policy: RoutePolicy } | { ok: false; field: string; message: string };

export function validateRoutePolicy(object: unknown): PolicyCheck {
  if (check(object)) return { ok: true, policy: object as RoutePolicy };
  const error = (check.errors ?? [])[0];
  return { ok: false, field: fieldOf(error), message: messageOf(error) };
}

/** `/spec/targetRefs/0/name` → `spec.targetRefs[0].name`. */
function fieldOf(error: ErrorObject | undefined): string {
  if (error === undefined) return '';
  return error.instancePath
    .split('/')
    .slice(1)
    .map((part, i) => (/^\d+$/.test(part) ? `[${part}]` : i === 0 ? part : `.${part}`))
    .join('');
}

function messageOf(error: ErrorObject | undefined): string {
  if (error === undefined) return 'does not match the RoutePolicy schema';
  const extra =
    error.keyword === 'additionalProperties'
      ? `: ${String((error.params as { additionalProperty: string }).additionalProperty)}`
      : error.keyword === 'enum'
        ? `: ${(error.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`
        : '';
  return `${error.message ?? 'is invalid'}${extra}`;
}
