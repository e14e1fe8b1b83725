// What Gatehouse does with one ingress-nginx annotation. The catalog is data: the translation reads
// it to warn and fail closed, and README's migration table is generated from it.

/**
 * `supported`: honoured with ingress-nginx's semantics. `difference`: honoured, with the stated
 * difference. `refused`: never will be (the reason says why). `pending`: not implemented yet.
 */
export type AnnotationStatus = 'supported' | 'difference' | 'refused' | 'pending';

export interface AnnotationEntry {
  /** The key without the prefix, e.g. `auth-url`. */
  readonly key: string;
  /** The ingress-nginx documentation section (or parser) the key belongs to, e.g. `External authentication`. */
  readonly family: string;
  readonly status: AnnotationStatus;
  /** One line: what Gatehouse does, the difference, or why not. */
  readonly note: string;
  /** Where its semantics come from: the annotations.md anchor, or the ingress-nginx parser for undocumented aliases. */
  readonly reference: string;
  /**
   * Ignoring it would let through requests the Ingress's owner meant to stop (auth, IP lists, rate
   * limits, client certificates, snippets that may hold `deny`). Not honoured, it fails closed.
   */
  readonly restrictsAccess: boolean;
  /**
   * Values, compared trimmed and case-insensitively, that switch the restriction off (an empty
   * value always does: ingress-nginx's parser reads "" as no value and keeps its default).
   */
  readonly unrestrictedValues?: readonly string[];
}

/** Go's strconv.ParseBool false spellings, which ingress-nginx's parser.GetBoolAnnotation accepts. */
export const FALSE_VALUES: readonly string[] = ['false', '0', 'f'];

export const DOCS = 'annotations.md';

/** Builds a family's entries with its reference and defaults filled in. */
export function family(
  name: string,
  reference: string,
  entries: ReadonlyArray<
    Omit<AnnotationEntry, 'family' | 'reference' | 'restrictsAccess'> & Partial<AnnotationEntry>
  >,
  restrictsAccess = false,
): AnnotationEntry[] {
  return entries.map((e) => ({ family: name, reference, restrictsAccess, ...e }));
}
