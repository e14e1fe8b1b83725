// Which Ingresses are ours. Order of precedence as ingress-nginx applies it: the deprecated
// `kubernetes.io/ingress.class` annotation, then spec.ingressClassName, then the cluster's
// default IngressClass (https://kubernetes.io/docs/concepts/services-networking/ingress/#ingress-class).
import { type Fields, record, text } from './guard.ts';
import type { IngressView } from './lookup.ts';
import type { TranslateOptions } from './types.ts';

export const CLASS_ANNOTATION = 'kubernetes.io/ingress.class';
export const DEFAULT_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';

type ClassOptions = Pick<TranslateOptions, 'ingressClass' | 'controllerName'>;

export function isOurs(ingress: IngressView, classes: Map<string, Fields>, options: ClassOptions): boolean {
  const annotated = text(ingress.annotations[CLASS_ANNOTATION]);
  if (annotated !== undefined) {
    return annotated === options.ingressClass || isOurClass(classes.get(annotated), options);
  }
  const className = text(ingress.spec.ingressClassName);
  if (className !== undefined) {
    const ingressClass = classes.get(className);
    // Standalone convenience: without an IngressClass object, our own class name still counts.
    return ingressClass === undefined
      ? className === options.ingressClass
      : isOurClass(ingressClass, options);
  }
  for (const ingressClass of classes.values()) {
    const annotations = record(record(ingressClass.metadata).annotations);
    if (annotations[DEFAULT_CLASS_ANNOTATION] === 'true' && isOurClass(ingressClass, options)) return true;
  }
  return false;
}

function isOurClass(ingressClass: Fields | undefined, options: ClassOptions): boolean {
  return ingressClass !== undefined && record(ingressClass.spec).controller === options.controllerName;
}
