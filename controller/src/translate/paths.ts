// Ingress paths (HTTPIngressPath in networking.k8s.io/v1): absolute, characters of an RFC 3986
// path, and none of the sequences the API server refuses (dot segments, `//`, encoded slashes).
import type { RouteMatch } from '../../../dataplane/src/table/types.ts';

export type PathCheck =
  | { ok: true; match: RouteMatch['path'] }
  | { ok: false; reason: 'InvalidPath' | 'InvalidPathType'; message: string };

export const MAX_PATH_LENGTH = 4096;

// pchar = unreserved / pct-encoded / sub-delims / ":" / "@" (RFC 3986 §3.3), plus "/".
const PATH_CHARACTERS = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})*$/;
const FORBIDDEN_SEQUENCES = ['//', '/./', '/../', '%2f', '%2F'];
const FORBIDDEN_SUFFIXES = ['/..', '/.'];

export function normalisePath(rawPath: unknown, rawType: unknown): PathCheck {
  if (rawType !== 'Exact' && rawType !== 'Prefix' && rawType !== 'ImplementationSpecific') {
    return {
      ok: false,
      reason: 'InvalidPathType',
      message: `pathType ${JSON.stringify(rawType) ?? 'undefined'} is not one of Exact, Prefix, ImplementationSpecific`,
    };
  }
  // The API lets only ImplementationSpecific omit the path; it then means everything.
  const path =
    rawType === 'ImplementationSpecific' && (rawPath === undefined || rawPath === '') ? '/' : rawPath;
  const problem = pathProblem(path);
  if (problem !== undefined) return { ok: false, reason: 'InvalidPath', message: problem };
  const value = path as string;
  if (rawType === 'Exact') return { ok: true, match: { type: 'Exact', value } };
  // Prefix matching is element-wise and ignores a trailing slash, so `/foo/` and `/foo` are one rule.
  const trimmed = value.replace(/\/+$/, '');
  return { ok: true, match: { type: 'Prefix', value: trimmed === '' ? '/' : trimmed } };
}

function pathProblem(path: unknown): string | undefined {
  if (typeof path !== 'string') return 'path must be a string starting with "/"';
  if (!path.startsWith('/')) return `path "${path}" must start with "/"`;
  if (path.length > MAX_PATH_LENGTH) return `path is longer than ${MAX_PATH_LENGTH} characters`;
  if (!PATH_CHARACTERS.test(path)) {
    return `path "${path}" contains characters not allowed in a URL path (RFC 3986), or a bad %-escape`;
  }
  for (const sequence of FORBIDDEN_SEQUENCES) {
    if (path.includes(sequence)) return `path "${path}" must not contain "${sequence}"`;
  }
  for (const suffix of FORBIDDEN_SUFFIXES) {
    if (path.endsWith(suffix)) return `path "${path}" must not end with "${suffix}"`;
  }
  return undefined;
}
