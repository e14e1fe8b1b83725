// RoutePolicy (gatehouse.dev/v1alpha1) as sources hand it to translation; schema.ts says the same in
// JSON Schema, and a test checks a fixture typed with these validates against it.

export const ROUTE_POLICY_GROUP = 'gatehouse.dev';
export const ROUTE_POLICY_VERSION = 'v1alpha1';
export const ROUTE_POLICY_API_VERSION = `${ROUTE_POLICY_GROUP}/${ROUTE_POLICY_VERSION}`;

export interface RoutePolicy {
  apiVersion: string;
  kind: 'RoutePolicy';
  metadata: PolicyMeta;
  spec: RoutePolicySpec;
  status?: RoutePolicyStatus;
}

/** The ObjectMeta fields translation reads (snapshot.ts imports this file, so not ObjectMeta itself). */
export interface PolicyMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
}

export interface PolicyTargetRef {
  group: 'networking.k8s.io';
  kind: 'Ingress';
  name: string;
}

export interface PolicyHeaderValue {
  name: string;
  value: string;
}

export interface PolicyHeaderModifier {
  set?: PolicyHeaderValue[];
  add?: PolicyHeaderValue[];
  remove?: string[];
}

export interface PolicyServiceRef {
  name: string;
  port?: number;
  portName?: string;
}

export interface RoutePolicySpec {
  targetRefs: PolicyTargetRef[];
  hosts?: string[];
  paths?: string[];
  timeouts?: { connect?: string; responseHeader?: string; idle?: string };
  retry?: {
    attempts: number;
    on?: Array<'connect-failure' | 'reset' | '502' | '503' | '504'>;
    budgetPercent?: number;
  };
  balancer?: {
    type: 'RoundRobin' | 'LeastRequest' | 'ConsistentHash';
    hashOn?: 'Header' | 'Cookie' | 'ClientAddress';
    hashName?: string;
    subsetSize?: number;
  };
  sessionAffinity?: {
    cookieName: string;
    path?: string;
    ttlSeconds?: number;
    domain?: string;
    sameSite?: 'None' | 'Lax' | 'Strict';
    secure?: boolean;
    persistent?: boolean;
    changeOnFailure?: boolean;
  };
  canary?: {
    backend: PolicyServiceRef;
    weight?: number;
    header?: { name: string; value?: string };
    cookie?: string;
  };
  rewrite?: { path?: string; hostname?: string };
  regexPaths?: boolean;
  redirect?: {
    scheme?: 'http' | 'https';
    hostname?: string;
    port?: number;
    path?: string;
    statusCode: 301 | 302 | 303 | 307 | 308;
  };
  requestHeaders?: PolicyHeaderModifier;
  responseHeaders?: PolicyHeaderModifier;
  maxRequestBodyBytes?: number;
  rateLimit?: { requestsPerSecond: number; burst?: number; statusCode?: number };
  clientAccess?: { allow?: string[]; deny?: string[] };
  cors?: {
    allowOrigins: string[];
    allowMethods?: string[];
    allowHeaders?: string[];
    exposeHeaders?: string[];
    allowCredentials?: boolean;
    maxAgeSeconds?: number;
  };
  basicAuth?: { secretRef: { name: string }; realm?: string };
  externalAuth?: { url: string; responseHeaders?: string[]; signinURL?: string };
  clientCertificate?: {
    caSecretRef: { name: string };
    verify?: 'on' | 'optional' | 'optional_no_ca';
    depth?: number;
  };
  errorPages?: { codes: number[]; backend: PolicyServiceRef };
  hsts?: { maxAgeSeconds: number; includeSubDomains?: boolean; preload?: boolean };
}

export type ConditionStatus = 'True' | 'False' | 'Unknown';

/** metav1.Condition. */
export interface PolicyCondition {
  type: 'Accepted' | 'ResolvedRefs';
  status: ConditionStatus;
  observedGeneration?: number;
  lastTransitionTime: string;
  reason: PolicyReason;
  message: string;
}

export type PolicyReason =
  | 'Accepted'
  | 'ResolvedRefs'
  | 'Invalid'
  | 'TargetNotFound'
  | 'RefNotFound'
  | 'Conflicted'
  | 'Unsupported';

export interface RoutePolicyStatus {
  conditions?: PolicyCondition[];
}
