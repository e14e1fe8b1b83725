// mirror-target / mirror-request-body / mirror-host (ingress-nginx annotations.md#mirror,
// internal/ingress/annotations/mirror): where each request of the Ingress is also sent. The target
// is a URL naming a host: a Service of the Ingress's own namespace by its cluster DNS name, or any
// other host, which is served as an ExternalName Service would be (guarded connects, and only with
// --enable-external-name-services). Resolved to a Backend once the BackendResolver exists.
import { HOST } from './routing.ts';
import type { AnnotationValues } from './values.ts';

/** Where a mirror-target points, before it is resolved to a Backend. */
export interface MirrorSpec {
  /** A Service of the Ingress's namespace (`svc.ns[.svc[.cluster.local]]`), else an external host. */
  target: { kind: 'service'; name: string } | { kind: 'external'; host: string };
  port: number;
  protocol: 'HTTP' | 'HTTPS';
  /** mirror-request-body: "off" leaves the body out (nginx mirror_request_body). */
  body: boolean;
  /** mirror-host, else the target's host name, as ingress-nginx's parser defaults it. */
  hostname: string;
}

/** A Service's cluster DNS name: `name.namespace`, `.svc`, `.svc.cluster.local` (trailing dot allowed). */
const SERVICE_DNS =
  /^([a-z]([a-z0-9-]{0,61}[a-z0-9])?)\.([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.svc(\.cluster\.local)?)?\.?$/;
/** What may follow the URL: nginx's $request_uri, the only variable the copy's target honours. */
const REQUEST_URI = '$request_uri';

/**
 * The copy is sent with the path sent upstream (after any rewrite) and the request's query, which
 * is what `$request_uri` gives unless the route rewrites; a target with another path is refused.
 */
export function parseMirror(values: AnnotationValues, namespace: string): MirrorSpec | undefined {
  const raw = values.text('mirror-target');
  const bodyValue = values.text('mirror-request-body');
  // mirror/main.go: anything but "off" is "on"; an invalid value is reported.
  if (bodyValue !== undefined && bodyValue !== 'on' && bodyValue !== 'off')
    values.invalid('mirror-request-body', bodyValue, 'it must be on or off');
  const host = values.text('mirror-host');
  const hostValid = host === undefined || HOST.test(host);
  if (!hostValid) values.invalid('mirror-host', host, 'it is not a host name (with optional port)');
  if (raw === undefined) return undefined;
  const dollar = raw.indexOf('$');
  const base = dollar === -1 ? raw : raw.slice(0, dollar);
  const url = URL.canParse(base) ? new URL(base) : undefined;
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '')
    return values.invalid('mirror-target', raw, 'it is not an http or https URL');
  if (dollar !== -1 && raw.slice(dollar) !== REQUEST_URI)
    return values.invalid('mirror-target', raw, `only ${REQUEST_URI} may follow the URL`);
  if (
    url.username !== '' ||
    url.password !== '' ||
    url.search !== '' ||
    url.hash !== '' ||
    url.pathname !== '/'
  )
    return values.invalid(
      'mirror-target',
      raw,
      'Gatehouse mirrors the path and query sent upstream; the target names only scheme, host and port',
    );
  const https = url.protocol === 'https:';
  const name = url.hostname.toLowerCase();
  const service = SERVICE_DNS.exec(name);
  return {
    target:
      service !== null && service[3] === namespace
        ? { kind: 'service', name: service[1] }
        : { kind: 'external', host: name.replace(/^\[|\]$|\.$/g, '') },
    port: url.port === '' ? (https ? 443 : 80) : Number(url.port),
    protocol: https ? 'HTTPS' : 'HTTP',
    body: bodyValue !== 'off',
    hostname: host !== undefined && hostValid ? host.toLowerCase() : url.hostname,
  };
}
