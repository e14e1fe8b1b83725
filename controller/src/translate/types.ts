// The translation stage's public types. Kept apart from translate.ts so that helpers can share
// them without importing the orchestrator.
import type { RouteTable } from '../../../dataplane/src/table/types.ts';
import type { Diagnostic } from '../snapshot.ts';
import type { CipherListCheck } from './annotations/tls-listener.ts';

export interface TranslateOptions {
  /** `--ingress-class`: the class name handled (default `gatehouse`). */
  ingressClass: string;
  /** `--controller-name`: `spec.controller` of the IngressClasses handled. */
  controllerName: string;
  /** `--default-backend-service`, `ns/name`: where unmatched requests go when no Ingress says. */
  defaultBackendService?: string;
  /** `--enable-external-name-services`: ExternalName Services become backends; off (absent) by default. */
  enableExternalNameServices?: boolean;
  /** `--default-ssl-certificate`, `ns/name`: certificate for SNI names without one. */
  defaultSslCertificate?: string;
  /** `--annotations-prefix`: annotations read are `<prefix>/<key>` (default `nginx.ingress.kubernetes.io`). */
  annotationsPrefix?: string;
  /** `--enable-ssl-passthrough`: ssl-passthrough annotations route TLS by SNI; off (absent) by default, as ingress-nginx. */
  enableSslPassthrough?: boolean;
  /** Whether OpenSSL takes a cipher list (ssl-ciphers); the caller owns node:tls. Absent: syntax only. */
  checkCipherList?: CipherListCheck;
  /** `--allow-snippet-annotations`: configuration-/server-snippet translated into typed filters; off (absent) by default. */
  allowSnippetAnnotations?: boolean;
  /**
   * `--global-allowed-response-headers`: the header names custom-headers may set (ingress-nginx's
   * ConfigMap key of that name); absent or empty, every custom header is refused.
   */
  globalAllowedResponseHeaders?: readonly string[];
  /** Only for certificate validity diagnostics; absent means validity dates are not checked. */
  now?: Date;
}

/** The table without its version: the supervisor numbers tables, translation does not. */
export type RouteTableContent = Omit<RouteTable, 'version'>;

export interface IngressRef {
  namespace: string;
  name: string;
}

export interface TranslateResult {
  table: RouteTableContent;
  diagnostics: Diagnostic[];
  /** Ingresses of our class, sorted by namespace then name: the status writer updates these. */
  handled: IngressRef[];
}
