// JSON Schemas (types only) of the fields snapshot.ts declares, per kind. In a cluster the API
// server rejects a mistyped object before anyone sees it; in standalone mode nobody does, so a
// file's object is checked here before translation trusts its types. Semantics stay translation's.

const string = { type: 'string' } as const;
const integer = { type: 'integer' } as const;
const boolean = { type: 'boolean' } as const;
const stringMap = { type: 'object', additionalProperties: string } as const;
const strings = { type: 'array', items: string } as const;

const metadata = {
  type: 'object',
  required: ['name'],
  properties: {
    name: { type: 'string', minLength: 1 },
    namespace: { type: 'string', minLength: 1 },
    uid: string,
    resourceVersion: string,
    generation: integer,
    creationTimestamp: string,
    labels: stringMap,
    annotations: stringMap,
  },
} as const;

const loadBalancerStatus = {
  type: 'object',
  properties: {
    ingress: {
      type: 'array',
      items: {
        type: 'object',
        properties: { ip: string, hostname: string, ports: { type: 'array' } },
      },
    },
  },
} as const;

const status = { type: 'object', properties: { loadBalancer: loadBalancerStatus } } as const;

const ingressBackend = {
  type: 'object',
  properties: {
    service: {
      type: 'object',
      required: ['name'],
      properties: {
        name: string,
        port: { type: 'object', properties: { name: string, number: integer } },
      },
    },
    resource: {
      type: 'object',
      required: ['kind', 'name'],
      properties: { apiGroup: string, kind: string, name: string },
    },
  },
} as const;

const ingressPath = {
  type: 'object',
  required: ['pathType', 'backend'],
  properties: {
    path: string,
    pathType: { enum: ['Exact', 'Prefix', 'ImplementationSpecific'] },
    backend: ingressBackend,
  },
} as const;

export const ingressSchema = {
  type: 'object',
  required: ['metadata'],
  properties: {
    metadata,
    spec: {
      type: 'object',
      properties: {
        ingressClassName: string,
        defaultBackend: ingressBackend,
        rules: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              host: string,
              http: {
                type: 'object',
                required: ['paths'],
                properties: { paths: { type: 'array', items: ingressPath } },
              },
            },
          },
        },
        tls: {
          type: 'array',
          items: { type: 'object', properties: { hosts: strings, secretName: string } },
        },
      },
    },
    status,
  },
} as const;

export const ingressClassSchema = {
  type: 'object',
  required: ['metadata'],
  properties: {
    metadata,
    spec: { type: 'object', properties: { controller: string, parameters: { type: 'object' } } },
  },
} as const;

export const serviceSchema = {
  type: 'object',
  required: ['metadata'],
  properties: {
    metadata,
    spec: {
      type: 'object',
      properties: {
        type: { enum: ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'] },
        externalName: string,
        clusterIP: string,
        selector: stringMap,
        ports: {
          type: 'array',
          items: {
            type: 'object',
            required: ['port'],
            properties: {
              name: string,
              protocol: string,
              port: integer,
              targetPort: { type: ['integer', 'string'] },
              appProtocol: string,
            },
          },
        },
      },
    },
    status,
  },
} as const;

export const endpointSliceSchema = {
  type: 'object',
  required: ['metadata', 'addressType'],
  properties: {
    metadata,
    addressType: { enum: ['IPv4', 'IPv6', 'FQDN'] },
    endpoints: {
      type: 'array',
      items: {
        type: 'object',
        required: ['addresses'],
        properties: {
          addresses: strings,
          conditions: {
            type: 'object',
            properties: { ready: boolean, serving: boolean, terminating: boolean },
          },
          zone: string,
          nodeName: string,
        },
      },
    },
    ports: {
      type: 'array',
      items: {
        type: 'object',
        properties: { name: string, port: integer, protocol: string, appProtocol: string },
      },
    },
  },
} as const;

export const secretSchema = {
  type: 'object',
  required: ['metadata'],
  properties: {
    metadata,
    type: string,
    // The API stores bytes; JSON and YAML carry them as standard base64.
    data: { type: 'object', additionalProperties: { type: 'string', pattern: '^[A-Za-z0-9+/]*={0,2}$' } },
    stringData: stringMap,
  },
} as const;

export const configMapSchema = {
  type: 'object',
  required: ['metadata'],
  properties: {
    metadata,
    // Only `data` is read (custom-headers); binaryData is valid and ignored, as the watch layer strips it.
    data: stringMap,
    binaryData: { type: 'object', additionalProperties: { type: 'string' } },
    immutable: { type: 'boolean' },
  },
} as const;
