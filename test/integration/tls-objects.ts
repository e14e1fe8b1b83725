// Kubernetes objects for TLS tests: a `kubernetes.io/tls` Secret holding a certificate and key.
import type { Certificate } from '../../dataplane/src/table/types.ts';

export function tlsSecret(
  namespace: string,
  name: string,
  certificate: Pick<Certificate, 'certPem' | 'keyPem'>,
) {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace },
    type: 'kubernetes.io/tls',
    data: {
      'tls.crt': Buffer.from(certificate.certPem).toString('base64'),
      'tls.key': Buffer.from(certificate.keyPem).toString('base64'),
    },
  };
}
