// JSON Schema (draft 2020-12 subset ajv understands by default: draft-07 keywords) of RouteTable.
// Kept beside types.ts; a test checks that fixtures typed as RouteTable validate, so the two
// cannot drift silently.

import { HASH_PATTERN } from './password-hash.ts';
import { MAX_REGEX_SOURCE } from './types.ts';

const name = { type: 'string', minLength: 1, maxLength: 253 } as const;
const headerName = { type: 'string', pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$", maxLength: 256 } as const;
const headerValueString = {
  type: 'string',
  pattern: '^[\\t\\x20-\\x7e\\x80-\\xff]*$',
  maxLength: 8192,
} as const;
/** A Host header value: a DNS name or IP literal, with an optional port (RFC 9110 §7.2). */
const hostHeader = { type: 'string', pattern: '^[A-Za-z0-9._\\[\\]:-]+$', maxLength: 261 } as const;
const positiveMs = { type: 'integer', minimum: 1, maximum: 86_400_000 } as const;
const port = { type: 'integer', minimum: 1, maximum: 65535 } as const;
const pathValue = { type: 'string', minLength: 1, maxLength: 4096 } as const;

const headerValue = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'value'],
  properties: { name: headerName, value: headerValueString },
} as const;

const headerModifierProps = {
  set: { type: 'array', items: headerValue, maxItems: 64 },
  add: { type: 'array', items: headerValue, maxItems: 64 },
  remove: { type: 'array', items: headerName, maxItems: 64 },
} as const;

// A path sent upstream or in a Location: data, so no control character, space, query or fragment.
const modifierValue = { ...pathValue, pattern: '^[^\\u0000-\\u0020\\u007f?#]+$' } as const;

const pathModifier = {
  type: 'object',
  additionalProperties: false,
  required: ['type', 'value'],
  properties: {
    type: { enum: ['ReplaceFullPath', 'ReplacePrefixMatch', 'RegexSubstitution', 'RegexReplace'] },
    value: modifierValue,
    pattern: { type: 'string', minLength: 1, maxLength: MAX_REGEX_SOURCE },
  },
  // RegexReplace carries its own pattern; no other type has one.
  if: { properties: { type: { const: 'RegexReplace' } } },
  // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then, not a thenable
  then: { required: ['pattern'] },
  else: { not: { required: ['pattern'] } },
} as const;

// proxy_redirect / proxy_cookie_* text: visible ASCII, no space; a cookie's also no `;`, which would
// start another attribute (RFC 6265 §4.1.1).
const replacement = (text: object) =>
  ({
    type: 'object',
    additionalProperties: false,
    required: ['from', 'to'],
    properties: { from: text, to: text },
  }) as const;
const locationText = { type: 'string', minLength: 1, maxLength: 2048, pattern: '^[\\x21-\\x7e]+$' } as const;
const cookieText = {
  type: 'string',
  minLength: 1,
  maxLength: 1024,
  pattern: '^[\\x21-\\x3a\\x3c-\\x7e]+$',
} as const;

const valueMatch = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'type', 'value'],
  properties: { name, type: { enum: ['Exact', 'Regex'] }, value: { type: 'string', maxLength: 4096 } },
} as const;

const filter = {
  type: 'object',
  required: ['type'],
  oneOf: [
    {
      additionalProperties: false,
      properties: {
        type: { enum: ['RequestHeaderModifier', 'ResponseHeaderModifier'] },
        ...headerModifierProps,
        statuses: {
          type: 'array',
          items: { type: 'integer', minimum: 100, maximum: 599 },
          minItems: 1,
          maxItems: 64,
          uniqueItems: true,
        },
      },
      // A request has no status: statuses belong to response changes only.
      if: { properties: { type: { const: 'RequestHeaderModifier' } } },
      // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then, not a thenable
      then: { not: { required: ['statuses'] } },
    },
    {
      additionalProperties: false,
      required: ['statusCode'],
      properties: {
        type: { const: 'RequestRedirect' },
        scheme: { enum: ['http', 'https'] },
        hostname: name,
        port,
        path: pathModifier,
        statusCode: { enum: [301, 302, 303, 307, 308] },
        keepRequestPort: { type: 'boolean' },
        dropQuery: { type: 'boolean' },
        relative: { type: 'boolean' },
      },
    },
    {
      additionalProperties: false,
      properties: { type: { const: 'URLRewrite' }, hostname: name, path: pathModifier },
    },
    {
      additionalProperties: false,
      required: ['statusCode'],
      properties: {
        type: { const: 'DirectResponse' },
        // No 3xx: a redirect is a RequestRedirect, with its Location.
        statusCode: { type: 'integer', minimum: 200, maximum: 599, not: { minimum: 300, maximum: 399 } },
        // Text without control characters other than tab: it is the whole body, never a template.
        body: { type: 'string', maxLength: 4096, pattern: '^[^\\u0000-\\u0008\\u000a-\\u001f\\u007f]*$' },
      },
    },
    {
      additionalProperties: false,
      required: ['backend'],
      properties: {
        type: { const: 'RequestMirror' },
        backend: name,
        body: { type: 'boolean' },
        hostname: hostHeader,
      },
    },
  ],
} as const;

const route = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'source', 'match', 'backends', 'filters'],
  properties: {
    id: { type: 'string', minLength: 1, maxLength: 1024 },
    source: {
      type: 'object',
      additionalProperties: false,
      required: ['kind', 'namespace', 'name'],
      properties: { kind: name, namespace: { type: 'string', maxLength: 253 }, name },
    },
    match: {
      type: 'object',
      additionalProperties: false,
      required: ['path'],
      properties: {
        path: {
          type: 'object',
          additionalProperties: false,
          required: ['type', 'value'],
          properties: { type: { enum: ['Exact', 'Prefix', 'Regex'] }, value: pathValue },
        },
        headers: { type: 'array', items: valueMatch, maxItems: 32 },
        queryParams: { type: 'array', items: valueMatch, maxItems: 32 },
        cookies: { type: 'array', items: valueMatch, maxItems: 32 },
        methods: {
          type: 'array',
          items: { type: 'string', pattern: '^[A-Z]{1,32}$' },
          maxItems: 16,
          uniqueItems: true,
        },
      },
    },
    backends: {
      type: 'array',
      maxItems: 64,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['backend', 'weight'],
        properties: { backend: name, weight: { type: 'integer', minimum: 0, maximum: 1_000_000 } },
      },
    },
    filters: { type: 'array', items: filter, maxItems: 32 },
    timeouts: {
      type: 'object',
      additionalProperties: false,
      properties: { connectMs: positiveMs, responseHeaderMs: positiveMs, idleMs: positiveMs },
    },
    retry: {
      type: 'object',
      additionalProperties: false,
      required: ['attempts', 'on'],
      properties: {
        attempts: { type: 'integer', minimum: 0, maximum: 10 },
        on: {
          type: 'array',
          items: { enum: ['connect-failure', 'reset', '502', '503', '504'] },
          uniqueItems: true,
        },
        budgetPercent: { type: 'number', minimum: 0, maximum: 100 },
      },
    },
    maxRequestBodyBytes: { type: 'integer', minimum: 0 },
    httpsRedirect: { type: 'boolean' },
    httpsRedirectForm: {
      type: 'object',
      additionalProperties: false,
      properties: { trimTrailingSlash: { type: 'boolean' }, alwaysNamePort: { type: 'boolean' } },
    },
    accessLog: { type: 'boolean' },
    errorPages: {
      type: 'object',
      additionalProperties: false,
      required: ['codes', 'backend', 'service', 'servicePort'],
      properties: {
        codes: {
          type: 'array',
          items: { type: 'integer', minimum: 400, maximum: 599 },
          maxItems: 200,
          uniqueItems: true,
        },
        backend: name,
        noEndpoints: { type: 'boolean' },
        // Sent as header values: a DNS name, and a port number or name.
        service: {
          type: 'string',
          minLength: 1,
          maxLength: 253,
          pattern: '^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$',
        },
        servicePort: { type: 'string', minLength: 1, maxLength: 15, pattern: '^[a-z0-9-]+$' },
      },
    },
    responseRewrites: {
      type: 'object',
      additionalProperties: false,
      properties: {
        location: replacement(locationText),
        cookieDomain: replacement(cookieText),
        cookiePath: replacement(cookieText),
      },
    },
    satisfy: { enum: ['any'] },
    clientAccess: {
      type: 'object',
      additionalProperties: false,
      required: ['rules', 'otherwise'],
      properties: {
        rules: {
          type: 'array',
          maxItems: 64,
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['action', 'cidrs'],
            properties: {
              action: { enum: ['allow', 'deny'] },
              cidrs: {
                type: 'array',
                minItems: 1,
                maxItems: 4096,
                items: {
                  type: 'string',
                  minLength: 2,
                  maxLength: 49,
                  pattern: '^[0-9A-Fa-f.:]+(/[0-9]{1,3})?$',
                },
              },
            },
          },
        },
        otherwise: { enum: ['allow', 'deny'] },
      },
    },
    // The realm is quoted into the challenge (proxy/basic-auth.ts): no control character.
    basicAuth: {
      type: 'object',
      additionalProperties: false,
      required: ['realm', 'users'],
      properties: {
        realm: { type: 'string', maxLength: 1024, pattern: '^[\\x20-\\x7e]*$' },
        users: {
          type: 'array',
          maxItems: 10000,
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['user', 'hash'],
            properties: {
              // nginx's htpasswd reader: a user ends at the first ':'; a line break ends the entry.
              user: {
                type: 'string',
                minLength: 1,
                maxLength: 256,
                pattern: '^[^:\\u0000-\\u001f\\u007f]+$',
              },
              hash: { type: 'string', minLength: 1, maxLength: 1024, pattern: HASH_PATTERN },
            },
          },
        },
      },
    },
    // Written into answers as they are: each value is limited to characters safe in a header.
    cors: {
      type: 'object',
      additionalProperties: false,
      required: ['allowOrigins', 'allowMethods', 'allowHeaders', 'allowCredentials', 'maxAgeSeconds'],
      properties: {
        allowOrigins: {
          type: 'array',
          minItems: 1,
          maxItems: 4096,
          items: {
            type: 'string',
            maxLength: 1024,
            pattern: '^([a-z]+://(\\*\\.)?[A-Za-z0-9.-]*(:[0-9]+)?|\\*|null)$',
          },
        },
        allowMethods: { type: 'string', maxLength: 1024, pattern: '^[A-Za-z, ]*$' },
        allowHeaders: { type: 'string', maxLength: 4096, pattern: '^[A-Za-z0-9_, -]*$' },
        exposeHeaders: { type: 'string', maxLength: 4096, pattern: '^[A-Za-z0-9_*, -]*$' },
        allowCredentials: { type: 'boolean' },
        maxAgeSeconds: { type: 'integer', minimum: -2147483648, maximum: 2147483647 },
      },
    },
    // Header values written as they are: printable ASCII only.
    externalAuth: {
      type: 'object',
      additionalProperties: false,
      required: ['backend', 'path', 'hostname'],
      properties: {
        backend: { type: 'string', minLength: 1, maxLength: 1024 },
        path: { type: 'string', minLength: 1, maxLength: 4096, pattern: '^/[!-~]*$' },
        hostname: { type: 'string', minLength: 1, maxLength: 260, pattern: '^[A-Za-z0-9.:\\[\\]-]+$' },
        method: { type: 'string', minLength: 1, maxLength: 32, pattern: '^[A-Z]+$' },
        signin: { type: 'string', minLength: 1, maxLength: 4096, pattern: '^https?://[!-~]+$' },
        signinRedirectParam: { type: 'string', minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_.-]+$' },
        responseHeaders: {
          type: 'array',
          maxItems: 64,
          items: { type: 'string', minLength: 1, maxLength: 256, pattern: "^[a-z0-9!#$%&'*+.^_`|~-]+$" },
        },
        requestRedirect: { type: 'string', minLength: 1, maxLength: 4096, pattern: '^[ -~]+$' },
        alwaysSetCookie: { type: 'boolean' },
        proxySetHeaders: { type: 'array', items: headerValue, maxItems: 64 },
        cache: {
          type: 'object',
          additionalProperties: false,
          required: ['key', 'durations'],
          properties: {
            key: {
              type: 'array',
              minItems: 1,
              maxItems: 32,
              items: {
                oneOf: [
                  {
                    type: 'object',
                    additionalProperties: false,
                    required: ['text'],
                    properties: { text: { type: 'string', maxLength: 1024 } },
                  },
                  {
                    type: 'object',
                    additionalProperties: false,
                    required: ['variable'],
                    properties: {
                      variable: {
                        enum: ['remote_addr', 'remote_user', 'host', 'request_uri', 'uri', 'args'],
                      },
                    },
                  },
                  {
                    type: 'object',
                    additionalProperties: false,
                    required: ['header'],
                    properties: {
                      header: { type: 'string', minLength: 1, maxLength: 256, pattern: '^[a-z0-9-]+$' },
                    },
                  },
                  {
                    type: 'object',
                    additionalProperties: false,
                    required: ['cookie'],
                    properties: {
                      cookie: { type: 'string', minLength: 1, maxLength: 256, pattern: '^[A-Za-z0-9_-]+$' },
                    },
                  },
                ],
              },
            },
            durations: {
              type: 'array',
              minItems: 1,
              maxItems: 16,
              items: {
                type: 'object',
                additionalProperties: false,
                required: ['statuses', 'seconds'],
                properties: {
                  statuses: {
                    type: 'array',
                    minItems: 1,
                    maxItems: 16,
                    items: { type: 'integer', minimum: 100, maximum: 599 },
                  },
                  seconds: { type: 'integer', minimum: 1, maximum: 31536000 },
                },
              },
            },
          },
        },
      },
    },
    // A limit with no rate and no connection count would limit nothing: refused, not ignored.
    rateLimit: {
      type: 'object',
      additionalProperties: false,
      required: ['zone', 'burstMultiplier'],
      anyOf: [{ required: ['rps'] }, { required: ['rpm'] }, { required: ['connections'] }],
      properties: {
        zone: { type: 'string', minLength: 1, maxLength: 512 },
        rps: { type: 'integer', minimum: 1, maximum: 1_000_000_000 },
        rpm: { type: 'integer', minimum: 1, maximum: 1_000_000_000 },
        burstMultiplier: { type: 'integer', minimum: 1, maximum: 1_000_000 },
        burst: { type: 'integer', minimum: 0, maximum: 1_000_000_000 },
        statusCode: { type: 'integer', minimum: 400, maximum: 599 },
        connections: { type: 'integer', minimum: 1, maximum: 1_000_000_000 },
        exempt: {
          type: 'array',
          maxItems: 4096,
          items: { type: 'string', minLength: 2, maxLength: 49, pattern: '^[0-9A-Fa-f.:]+(/[0-9]{1,3})?$' },
        },
      },
    },
    // RFC 6797 §6.1 directives as ingress-nginx writes them (hsts-max-age, -include-subdomains, -preload).
    hsts: {
      type: 'string',
      maxLength: 64,
      pattern: '^max-age=[0-9]{1,10}(; includeSubDomains)?(; preload)?$',
    },
    globalRateLimit: {
      type: 'object',
      additionalProperties: false,
      required: ['zone', 'limit', 'windowSeconds'],
      properties: {
        zone: { type: 'string', minLength: 1, maxLength: 512 },
        limit: { type: 'integer', minimum: 1, maximum: 1_000_000_000 },
        windowSeconds: { type: 'integer', minimum: 1, maximum: 31_536_000 },
        exempt: {
          type: 'array',
          maxItems: 4096,
          items: { type: 'string', minLength: 2, maxLength: 49, pattern: '^[0-9A-Fa-f.:]+(/[0-9]{1,3})?$' },
        },
      },
    },
  },
} as const;

const backend = {
  type: 'object',
  additionalProperties: false,
  required: ['namespace', 'service', 'protocol', 'endpoints', 'balancer'],
  properties: {
    namespace: { type: 'string', maxLength: 253 },
    service: { type: 'string', maxLength: 253 },
    protocol: { enum: ['HTTP', 'HTTPS', 'H2C', 'H2'] },
    endpoints: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['address', 'port'],
        properties: {
          address: { type: 'string', minLength: 1, maxLength: 253 },
          port,
          terminating: { type: 'boolean' },
          zone: { type: 'string', maxLength: 253 },
        },
      },
    },
    balancer: {
      type: 'object',
      required: ['type'],
      oneOf: [
        { additionalProperties: false, properties: { type: { enum: ['RoundRobin', 'LeastRequest'] } } },
        {
          additionalProperties: false,
          required: ['on'],
          properties: {
            type: { const: 'ConsistentHash' },
            on: { enum: ['Header', 'Cookie', 'ClientAddress'] },
            name,
            setCookie: {
              type: 'object',
              additionalProperties: false,
              required: ['name'],
              properties: {
                name: headerName,
                // RFC 6265 §4.1.1 path-value: no CTLs and no ";", so no value becomes header syntax.
                path: { ...pathValue, pattern: '^[^\\u0000-\\u001f\\u007f;]+$' },
                ttlSeconds: { type: 'integer', minimum: 0 },
                domain: { type: 'string', pattern: '^[A-Za-z0-9.-]{1,253}$' },
                sameSite: { enum: ['None', 'Lax', 'Strict'] },
                conditionalSameSiteNone: { type: 'boolean' },
                secure: { type: 'boolean' },
                changeOnFailure: { type: 'boolean' },
                persistent: { type: 'boolean' },
              },
            },
            // types.ts MAX_HASH_SUBSET: a set holds `size` indices, so the bound keeps a table's cost small.
            subsetSize: { type: 'integer', minimum: 1, maximum: 10_000 },
          },
        },
      ],
    },
    tls: {
      type: 'object',
      additionalProperties: false,
      required: ['verify'],
      properties: {
        serverName: name,
        caPem: { type: 'string' },
        verify: { type: 'boolean' },
        clientCertificate: name,
        minVersion: { enum: ['TLSv1.2', 'TLSv1.3'] },
        maxVersion: { enum: ['TLSv1.2', 'TLSv1.3'] },
      },
    },
    external: { type: 'boolean' },
  },
} as const;

const hostPattern =
  '^(\\*|(\\*\\.)?[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*)$';

export const routeTableSchema = {
  $id: 'https://gatehouse.dev/schemas/route-table.json',
  type: 'object',
  additionalProperties: false,
  required: ['version', 'hosts', 'backends', 'certificates'],
  properties: {
    version: { type: 'integer', minimum: 0 },
    hosts: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['host', 'routes'],
        properties: {
          host: { type: 'string', maxLength: 253, pattern: hostPattern },
          routes: { type: 'array', items: route },
          fallback: route,
          tls: {
            type: 'object',
            additionalProperties: false,
            required: ['certificate', 'redirect'],
            properties: {
              certificate: name,
              redirect: { type: 'boolean' },
              redirectStatus: { enum: [301, 302, 307, 308] },
              // An OpenSSL cipher list: the characters of its syntax only (the worker checks the rest).
              ciphers: { type: 'string', minLength: 1, maxLength: 2048, pattern: '^[A-Za-z0-9+:_=@!.,-]+$' },
              preferServerCiphers: { type: 'boolean' },
            },
          },
          clientCertificate: {
            type: 'object',
            additionalProperties: false,
            required: ['verify', 'depth', 'passCertificate'],
            properties: {
              caPem: { type: 'string', minLength: 1, maxLength: 1048576 },
              verify: { enum: ['on', 'optional', 'optional_no_ca', 'off'] },
              depth: { type: 'integer', minimum: 0, maximum: 100 },
              errorPage: { type: 'string', minLength: 1, maxLength: 2048 },
              passCertificate: { type: 'boolean' },
              matchCN: { type: 'string', minLength: 1, maxLength: 1024 },
            },
          },
          passthrough: {
            type: 'object',
            additionalProperties: false,
            required: ['backend'],
            properties: { backend: name },
          },
        },
      },
    },
    backends: { type: 'object', additionalProperties: backend },
    certificates: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['certPem', 'keyPem', 'source'],
        properties: { certPem: { type: 'string' }, keyPem: { type: 'string' }, source: { type: 'string' } },
      },
    },
    defaultCertificate: name,
    defaultRoute: route,
  },
} as const;
