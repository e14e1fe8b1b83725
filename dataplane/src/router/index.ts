// The router's public surface: compile a RouteTable once, look requests up many times.
export { normalizePath } from './path.ts';
export { type BoundedRegex, compileBoundedRegex, MAX_REGEX_INPUT, type UserRegex } from './regex.ts';
export { compileRouter, lookup } from './router.ts';
export type { CompiledHost, RouteProblem, Router } from './types.ts';
