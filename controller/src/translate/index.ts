// The translation stage's entry point: snapshot → RouteTable content, diagnostics, handled Ingresses.

export { referencedConfigMaps } from './configmap-references.ts';
export { type ReferencingObjects, referencedSecrets } from './secret-references.ts';
export { translate } from './translate.ts';
export type { IngressRef, RouteTableContent, TranslateOptions, TranslateResult } from './types.ts';
