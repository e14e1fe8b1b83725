// Test helper: parse one set of annotation values (prefix nginx.ingress.kubernetes.io).
import type { Diagnostic } from '../../snapshot.ts';
import { parseAnnotations } from './parse.ts';
import type { IngressAnnotations } from './settings.ts';
import type { CipherListCheck } from './tls-listener.ts';

export function parsed(
  values: Record<string, string>,
  checkCiphers?: CipherListCheck,
): { result: IngressAnnotations; invalid: string[] } {
  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(values)) annotations[`nginx.ingress.kubernetes.io/${k}`] = v;
  const diagnostics: Diagnostic[] = [];
  const ingress = { namespace: 'ns', name: 'app', created: 0, annotations, spec: {} };
  const result = parseAnnotations(ingress, 'nginx.ingress.kubernetes.io', diagnostics, checkCiphers);
  return {
    result,
    invalid: diagnostics.filter((d) => d.reason === 'InvalidAnnotation').map((d) => d.field ?? ''),
  };
}
