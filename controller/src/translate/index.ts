// The translation stage's entry point: snapshot → RouteTable content, diagnostics, handled Ingresses.
export { translate } from './translate.ts';
export type { IngressRef, RouteTableContent, TranslateOptions, TranslateResult } from './types.ts';
