// custom-http-errors and default-backend (ingress-nginx annotations.md#custom-http-errors,
// #default-backend, docs/user-guide/custom-errors.md; internal/ingress/annotations/
// {customhttperrors,defaultbackend}/main.go). Resolved to a table Route.errorPages once the
// BackendResolver exists (translate.ts), and put on the Ingress's routes by apply.ts.
import type { ErrorPages, Route } from '../../../../dataplane/src/table/types.ts';
import type { AnnotationValues } from './values.ts';

/** What the annotations ask for, before the error backend is resolved. */
export interface ErrorPagesSpec {
  /** Upstream statuses served by the error backend; empty with default-backend alone. */
  codes: number[];
  /** default-backend: a Service of the Ingress's namespace (its first port); else the global one. */
  service?: string;
}

/** ingress-nginx customhttperrors/main.go accepts "anything between 400 and 599", comma separated. */
const CODE = /^[45][0-9]{2}$/;
const SERVICE_NAME = /^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;

export function parseErrorPages(values: AnnotationValues): ErrorPagesSpec | undefined {
  const list = values.text('custom-http-errors');
  const service = values.text('default-backend');
  let codes: number[] = [];
  if (list !== undefined) {
    // main.go trims each item and skips empty ones ("404, 500" and a trailing comma are fine).
    const items = list
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    const bad = items.find((s) => !CODE.test(s));
    if (bad !== undefined)
      values.invalid('custom-http-errors', list, `"${bad}" is not an HTTP status between 400 and 599`);
    else codes = [...new Set(items.map(Number))].sort((a, b) => a - b);
  }
  // disableproxyintercepterrors/main.go: "true" keeps the codes from being intercepted.
  if (values.boolean('disable-proxy-intercept-errors') === true) codes = [];
  const serviceValid = service === undefined || SERVICE_NAME.test(service);
  if (!serviceValid)
    values.invalid('default-backend', service ?? '', "it is not a Service name of the Ingress's namespace");
  if (codes.length === 0 && (service === undefined || !serviceValid)) return undefined;
  const spec: ErrorPagesSpec = { codes };
  if (service !== undefined && serviceValid) spec.service = service;
  return spec;
}

/**
 * The route's errorPages: `backend` is the resolved error backend's key; X-Service-Name and
 * X-Service-Port come from the route's first backend (`namespace/service:port[~settings]`, the
 * BackendResolver's key). A route that sends nowhere gets none: it answers 503 before any upstream.
 */
export function errorPagesFor(
  route: Route,
  spec: ErrorPagesSpec,
  backend: string,
  noEndpoints: boolean,
): ErrorPages | undefined {
  const key = route.backends[0]?.backend;
  const match = key === undefined ? null : /^[^/]+\/([^:]+):([^~]+)/.exec(key);
  if (match === null) return undefined;
  const pages: ErrorPages = { codes: [...spec.codes], backend, service: match[1], servicePort: match[2] };
  if (noEndpoints) pages.noEndpoints = true;
  return pages;
}
