// JSON Schema of a RoutePolicy (gatehouse.dev/v1alpha1): ajv checks each object a source reads with
// it, and generate-crd.ts writes it as the CRD's openAPIV3Schema, so the apiserver and Gatehouse
// refuse the same objects. It is structural (Kubernetes "Specifying a structural schema"): every
// node has a type, objects list their properties, no type under a logical junction.

/** Vendor keywords the apiserver reads and ajv must accept as annotations (ajv strict mode). */
export const KUBERNETES_KEYWORDS = ['x-kubernetes-list-type', 'x-kubernetes-list-map-keys'] as const;

const name = { type: 'string', minLength: 1, maxLength: 253 } as const;
/** An RFC 1123 label, e.g. a port name. */
const label = {
  type: 'string',
  minLength: 1,
  maxLength: 63,
  pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$',
} as const;
const headerName = {
  type: 'string',
  pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$",
  minLength: 1,
  maxLength: 256,
} as const;
const headerValue = { type: 'string', pattern: '^[\\t\\x20-\\x7e]*$', maxLength: 4096 } as const;
/** Gateway API's Duration (GEP-2257): `1h`, `30s`, `1m30s`, `500ms`. */
const duration = { type: 'string', pattern: '^([0-9]{1,5}(h|m|s|ms)){1,4}$', maxLength: 32 } as const;
/** A DNS name, or `*.` and a name (one label): the host of an Ingress rule as written. */
const hostName = {
  type: 'string',
  maxLength: 253,
  pattern: '^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$',
} as const;
/** An absolute path (the Ingress path as written, a rewrite or redirect target): no space, query or fragment. */
const path = { type: 'string', minLength: 1, maxLength: 1024, pattern: '^/[^\\x00-\\x20\\x7f?#]*$' } as const;
/** An IPv4 or IPv6 address or CIDR; the translation checks it with node:net (cidr.ts). */
const cidr = {
  type: 'string',
  minLength: 2,
  maxLength: 49,
  pattern: '^[0-9A-Fa-f:.]+(/[0-9]{1,3})?$',
} as const;
const list = <T extends object>(items: T, maxItems: number) => ({ type: 'array', items, maxItems }) as const;
const setList = <T extends object>(items: T, maxItems: number) =>
  ({ type: 'array', items, maxItems, 'x-kubernetes-list-type': 'set' }) as const;
const object = <P extends Record<string, object>>(properties: P, required: readonly string[] = []) =>
  ({
    type: 'object',
    additionalProperties: false,
    properties,
    ...(required.length > 0 ? { required } : {}),
  }) as const;

const headerValues = {
  ...list(object({ name: headerName, value: headerValue }, ['name', 'value']), 32),
  'x-kubernetes-list-type': 'map',
  'x-kubernetes-list-map-keys': ['name'],
} as const;
const headerModifier = object({
  set: headerValues,
  add: list(object({ name: headerName, value: headerValue }, ['name', 'value']), 32),
  remove: setList(headerName, 32),
});
const secretRef = object({ name }, ['name']);
const serviceRef = object({ name, port: { type: 'integer', minimum: 1, maximum: 65535 }, portName: label }, [
  'name',
]);

const targetRef = object(
  {
    group: { type: 'string', enum: ['networking.k8s.io'] },
    kind: { type: 'string', enum: ['Ingress'] },
    name,
  },
  ['group', 'kind', 'name'],
);

const spec = object(
  {
    /** The Ingresses of the policy's namespace it applies to. */
    targetRefs: { ...list(targetRef, 16), minItems: 1 },
    /** Only the routes of these rule hosts (as the Ingress writes them); absent: every host. */
    hosts: setList(hostName, 16),
    /** Only the routes of these paths (as the Ingress writes them); absent: every path. */
    paths: setList(path, 16),
    timeouts: object({ connect: duration, responseHeader: duration, idle: duration }),
    retry: object(
      {
        attempts: { type: 'integer', minimum: 0, maximum: 10 },
        on: setList({ type: 'string', enum: ['connect-failure', 'reset', '502', '503', '504'] }, 5),
        budgetPercent: { type: 'integer', minimum: 1, maximum: 100 },
      },
      ['attempts'],
    ),
    balancer: object(
      {
        type: { type: 'string', enum: ['RoundRobin', 'LeastRequest', 'ConsistentHash'] },
        hashOn: { type: 'string', enum: ['Header', 'Cookie', 'ClientAddress'] },
        /** The header or cookie hashed. */
        hashName: headerName,
        subsetSize: { type: 'integer', minimum: 1, maximum: 10_000 },
      },
      ['type'],
    ),
    /** Sticky sessions: a cookie names the endpoint (ingress-nginx affinity: cookie). */
    sessionAffinity: object(
      {
        cookieName: { type: 'string', minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_.-]+$' },
        // No `;` or `,`: the value becomes a Set-Cookie attribute (RFC 6265 §4.1.1).
        path: { ...path, pattern: '^/[^\\x00-\\x20\\x7f;,]*$' },
        ttlSeconds: { type: 'integer', minimum: 1, maximum: 31_536_000 },
        domain: hostName,
        sameSite: { type: 'string', enum: ['None', 'Lax', 'Strict'] },
        secure: { type: 'boolean' },
        persistent: { type: 'boolean' },
        changeOnFailure: { type: 'boolean' },
      },
      ['cookieName'],
    ),
    /**
     * Part of the traffic goes to another Service of the namespace, as a canary Ingress: a request with
     * the header (its value, else "always"; "never" keeps it off) or the cookie ("always"/"never") is
     * decided by them; the rest is split weight : 100 − weight.
     */
    canary: object(
      {
        backend: serviceRef,
        weight: { type: 'integer', minimum: 0, maximum: 100 },
        header: object({ name: headerName, value: { ...headerValue, minLength: 1 } }, ['name']),
        cookie: { type: 'string', minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_.-]+$' },
      },
      ['backend'],
    ),
    /** The path sent upstream; `$1`… name the captures of a regex path (ingress-nginx rewrite-target). */
    rewrite: object({ path: { ...path, pattern: '^/[^\\x00-\\x20\\x7f#]*$' }, hostname: hostName }),
    /** The Ingress's paths are RE2 regexes (ingress-nginx use-regex). */
    regexPaths: { type: 'boolean' },
    redirect: object(
      {
        scheme: { type: 'string', enum: ['http', 'https'] },
        hostname: hostName,
        port: { type: 'integer', minimum: 1, maximum: 65535 },
        path,
        statusCode: { type: 'integer', enum: [301, 302, 303, 307, 308] },
      },
      ['statusCode'],
    ),
    requestHeaders: headerModifier,
    responseHeaders: headerModifier,
    maxRequestBodyBytes: { type: 'integer', minimum: 0, maximum: 1_099_511_627_776 },
    rateLimit: object(
      {
        requestsPerSecond: { type: 'integer', minimum: 1, maximum: 1_000_000 },
        burst: { type: 'integer', minimum: 0, maximum: 1_000_000 },
        /** The answer past the budget; 429 (RFC 6585 §4) unless said. */
        statusCode: { type: 'integer', minimum: 400, maximum: 599 },
      },
      ['requestsPerSecond'],
    ),
    /** Client addresses: deny first, then allow; with any allow entry, other addresses are refused (403). */
    clientAccess: object({ allow: setList(cidr, 256), deny: setList(cidr, 256) }),
    cors: object(
      {
        allowOrigins: { ...setList({ type: 'string', minLength: 1, maxLength: 256 }, 64), minItems: 1 },
        allowMethods: setList({ type: 'string', pattern: '^[A-Z]+$', maxLength: 32 }, 16),
        allowHeaders: setList(headerName, 64),
        exposeHeaders: setList(headerName, 64),
        allowCredentials: { type: 'boolean' },
        maxAgeSeconds: { type: 'integer', minimum: 0, maximum: 86_400 },
      },
      ['allowOrigins'],
    ),
    basicAuth: object({ secretRef, realm: { type: 'string', maxLength: 256 } }, ['secretRef']),
    externalAuth: object(
      {
        url: { type: 'string', pattern: '^https?://', maxLength: 2048 },
        responseHeaders: setList(headerName, 32),
        signinURL: { type: 'string', pattern: '^https?://', maxLength: 2048 },
      },
      ['url'],
    ),
    clientCertificate: object(
      {
        caSecretRef: secretRef,
        verify: { type: 'string', enum: ['on', 'optional', 'optional_no_ca'] },
        depth: { type: 'integer', minimum: 1, maximum: 10 },
      },
      ['caSecretRef'],
    ),
    errorPages: object(
      {
        codes: { ...setList({ type: 'integer', minimum: 400, maximum: 599 }, 64), minItems: 1 },
        backend: serviceRef,
      },
      ['codes', 'backend'],
    ),
    hsts: object(
      {
        maxAgeSeconds: { type: 'integer', minimum: 0, maximum: 315_360_000 },
        includeSubDomains: { type: 'boolean' },
        preload: { type: 'boolean' },
      },
      ['maxAgeSeconds'],
    ),
  },
  ['targetRefs'],
);

/** metav1.Condition, as the apiserver checks it on other kinds' conditions. */
const condition = object(
  {
    type: { type: 'string', maxLength: 316, pattern: '^[A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9])?$' },
    status: { type: 'string', enum: ['True', 'False', 'Unknown'] },
    observedGeneration: { type: 'integer', minimum: 0 },
    lastTransitionTime: { type: 'string', minLength: 1, maxLength: 64 },
    reason: {
      type: 'string',
      minLength: 1,
      maxLength: 1024,
      pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$',
    },
    message: { type: 'string', maxLength: 32_768 },
  },
  ['type', 'status', 'lastTransitionTime', 'reason', 'message'],
);

export const routePolicySchema = {
  type: 'object',
  required: ['apiVersion', 'kind', 'metadata', 'spec'],
  properties: {
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    // The apiserver validates metadata itself; a structural schema may only say it is an object.
    metadata: { type: 'object' },
    spec,
    status: object({
      conditions: {
        ...list(condition, 8),
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['type'],
      },
    }),
  },
} as const;
