// Which diagnostic reasons fail `gatehouse lint` (exit 1) and which only warn (exit 0 unless
// --strict). The rule: an error is traffic that will not be served as written — a route left out,
// lost to a conflict, answering 503 (fail closed) or without its certificate; a warning is a
// setting ignored while the route still serves as ingress-nginx would without it.

export type Severity = 'error' | 'warning';

export const SEVERITY: Readonly<Record<string, Severity>> = {
  // The manifests themselves: objects not read at all.
  InvalidYAML: 'error',
  InvalidDocument: 'error',
  InvalidObject: 'error',
  MissingName: 'error',
  TooManyDocuments: 'error',
  TooManyProblems: 'error',
  TooManyManifestFiles: 'error',
  ManifestTooLarge: 'error',
  ManifestsTooLarge: 'error',
  ManifestUnreadable: 'error',
  // kubectl apply of both files would keep the later one too; worth knowing, not broken.
  DuplicateObject: 'warning',
  UnsupportedKind: 'warning',
  // Routes left out, or lost to another Ingress.
  InvalidPath: 'error',
  InvalidPathType: 'error',
  InvalidHost: 'error',
  InvalidRule: 'error',
  InvalidBackend: 'error',
  UnsupportedBackend: 'error',
  RouteConflict: 'error',
  HostTaken: 'error',
  TLSConflict: 'error',
  ServerSnippetConflict: 'error',
  ServiceNotFound: 'error',
  PortNotFound: 'error',
  ExternalNameDisabled: 'error',
  InvalidExternalName: 'error',
  CanaryWithoutMain: 'error',
  CanaryOtherNamespace: 'error',
  UnsupportedCanaryBackend: 'error',
  // Fail closed: the Ingress answers 503 rather than serve without its restriction.
  AccessAnnotationNotHonoured: 'error',
  InvalidAccessAnnotation: 'error',
  InvalidAuthSecret: 'error',
  InvalidAuthTlsSecret: 'error',
  SnippetRefused: 'error',
  SslPassthroughClosed: 'error',
  // TLS hosts without their own certificate (the default one is served instead).
  SecretNotFound: 'error',
  InvalidSecretName: 'error',
  InvalidSecretType: 'error',
  InvalidCertificate: 'error',
  CertificateKeyMismatch: 'error',
  CertificateExpired: 'error',
  CertificateNotYetValid: 'warning',
  TLSHostMismatch: 'warning',
  InvalidProxySsl: 'error',
  // RoutePolicy conditions (policy/types.ts PolicyReason).
  Invalid: 'error',
  Conflicted: 'error',
  Unsupported: 'error',
  // A Secret or Service a RoutePolicy names cannot be used: its routes answer 503.
  RefNotFound: 'error',
  TargetNotFound: 'warning',
  // Settings ignored; the route serves as without them.
  UnknownAnnotation: 'warning',
  UnsupportedAnnotation: 'warning',
  InvalidAnnotation: 'warning',
  CanaryAnnotationIgnored: 'warning',
  AuthSecretEntryIgnored: 'warning',
  InvalidCustomHeaders: 'warning',
  SnippetAnnotationsDisabled: 'warning',
  SslPassthroughDisabled: 'warning',
  SslPassthroughIgnored: 'warning',
  NoRules: 'warning',
  NoDefaultBackend: 'warning',
  InvalidParameters: 'warning',
  InvalidFlag: 'error',
};

/** A reason missing from the table is an error: a new diagnostic is never waved through unread. */
export function severityOf(reason: string): Severity {
  return SEVERITY[reason] ?? 'error';
}
