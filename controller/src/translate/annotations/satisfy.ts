// satisfy (ingress-nginx annotations.md#satisfy, internal/ingress/annotations/satisfy/main.go):
// nginx's `satisfy any|all` in the location; any other value is left out (nginx's default, all).
import type { AnnotationValues } from './values.ts';

/** 'any' for Route.satisfy; undefined for all, the default. */
export function parseSatisfy(values: AnnotationValues): 'any' | undefined {
  const value = values.raw('satisfy');
  if (value === undefined) return undefined;
  if (value === 'any') return 'any';
  // satisfy/main.go compares exactly; anything else is "" (satisfy all, the stricter).
  if (value !== 'all') values.invalid('satisfy', value, 'it must be any or all');
  return undefined;
}
