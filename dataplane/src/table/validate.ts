// Validation of a received table: the JSON Schema first (shape, bounds), then the references
// between its parts, which a schema cannot express. A worker applies only a table that passes.
import type { Route, RouteTable } from './types.ts';
// ajv's standalone code for schema.ts, generated ahead of time (generate-validator.ts): compiling
// the schema in every worker at start cost ~20 MiB RSS for the same checks and error messages.
import checkShape from './validate-table.generated.js';

export type Validation = { ok: true; table: RouteTable } | { ok: false; errors: string[] };

export function validateRouteTable(value: unknown): Validation {
  if (!checkShape(value)) {
    const errors = (checkShape.errors ?? []).map(
      (e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`,
    );
    return { ok: false, errors };
  }
  const table = value as unknown as RouteTable;
  const errors = referenceErrors(table);
  return errors.length === 0 ? { ok: true, table } : { ok: false, errors };
}

function referenceErrors(table: RouteTable): string[] {
  const errors: string[] = [];
  const seenHosts = new Set<string>();
  const checkRoute = (route: Route, where: string): void => {
    const path = route.match.path;
    if (path.type !== 'Regex' && !path.value.startsWith('/')) {
      errors.push(`${where}/match/path must start with "/"`);
    }
    for (const [i, wb] of route.backends.entries()) {
      if (!Object.hasOwn(table.backends, wb.backend)) {
        errors.push(`${where}/backends/${i} names unknown backend "${wb.backend}"`);
      }
    }
    for (const [i, f] of route.filters.entries()) {
      if (f.type === 'RequestMirror' && !Object.hasOwn(table.backends, f.backend)) {
        errors.push(`${where}/filters/${i} mirrors to unknown backend "${f.backend}"`);
      }
    }
    const pages = route.errorPages;
    if (pages !== undefined && !Object.hasOwn(table.backends, pages.backend)) {
      errors.push(`${where}/errorPages names unknown backend "${pages.backend}"`);
    }
  };
  for (const [h, host] of table.hosts.entries()) {
    if (seenHosts.has(host.host)) errors.push(`/hosts/${h} repeats host "${host.host}"`);
    seenHosts.add(host.host);
    for (const [r, route] of host.routes.entries()) checkRoute(route, `/hosts/${h}/routes/${r}`);
    if (host.fallback) checkRoute(host.fallback, `/hosts/${h}/fallback`);
    if (host.tls && !Object.hasOwn(table.certificates, host.tls.certificate)) {
      errors.push(`/hosts/${h}/tls names unknown certificate "${host.tls.certificate}"`);
    }
    if (host.passthrough && !Object.hasOwn(table.backends, host.passthrough.backend)) {
      errors.push(`/hosts/${h}/passthrough names unknown backend "${host.passthrough.backend}"`);
    }
  }
  if (table.defaultRoute) checkRoute(table.defaultRoute, '/defaultRoute');
  for (const [key, backend] of Object.entries(table.backends)) {
    const client = backend.tls?.clientCertificate;
    if (client !== undefined && !Object.hasOwn(table.certificates, client)) {
      errors.push(`/backends/${key}/tls names unknown client certificate "${client}"`);
    }
  }
  if (table.defaultCertificate && !Object.hasOwn(table.certificates, table.defaultCertificate)) {
    errors.push(`/defaultCertificate names unknown certificate "${table.defaultCertificate}"`);
  }
  return errors;
}
