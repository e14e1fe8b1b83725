// The controller's flags → translation options: one place, so `gatehouse lint` and `explain`
// translate exactly as the running controller does.
import { checkCipherList } from '../tls/cipher-list.ts';
import type { TranslateOptions } from '../translate/index.ts';
import type { Flags } from './flags.ts';

export type TranslationFlags = Pick<
  Flags,
  | 'ingressClass'
  | 'controllerName'
  | 'annotationsPrefix'
  | 'globalAllowedResponseHeaders'
  | 'defaultBackendService'
  | 'enableExternalNameServices'
  | 'enableSslPassthrough'
  | 'allowSnippetAnnotations'
  | 'defaultSslCertificate'
>;

export function translateOptionsOf(flags: TranslationFlags, now: Date): TranslateOptions {
  return {
    ingressClass: flags.ingressClass,
    controllerName: flags.controllerName,
    annotationsPrefix: flags.annotationsPrefix,
    globalAllowedResponseHeaders: flags.globalAllowedResponseHeaders,
    defaultBackendService: flags.defaultBackendService,
    enableExternalNameServices: flags.enableExternalNameServices,
    enableSslPassthrough: flags.enableSslPassthrough,
    checkCipherList,
    allowSnippetAnnotations: flags.allowSnippetAnnotations,
    defaultSslCertificate: flags.defaultSslCertificate,
    now,
  };
}
