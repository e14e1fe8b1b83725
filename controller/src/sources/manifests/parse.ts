// One manifest file's text → the objects it declares, with a diagnostic for each document that
// cannot be used. Pure: the caller reads the file. Multi-document YAML, JSON and `kind: List`.
import { type Document, LineCounter, parseAllDocuments, type YAMLError } from 'yaml';
import type { AnyObject, Diagnostic } from '../../snapshot.ts';
import { isMapping, normalizeObject, type ObjectRef } from './normalize.ts';

/** Diagnostics about a file or a document with no identity of its own point at the file. */
export const MANIFEST_FILE_KIND = 'ManifestFile';

export interface ParsedManifestFile {
  objects: AnyObject[];
  diagnostics: Diagnostic[];
  /** False when the file is not readable YAML at all: the caller keeps its last good objects. */
  ok: boolean;
}

// kubectl flattens nested Lists; a bound keeps a hostile file from recursing without end.
const MAX_LIST_DEPTH = 8;

interface Where {
  path: string;
  doc: Document;
  lineCounter: LineCounter;
  /** Field of the document within the file, e.g. `documents[1].items[0]`. */
  field: string;
  /** Keys of the node within its document, to find its line. */
  keys: Array<string | number>;
}

export function parseManifestFile(path: string, text: string): ParsedManifestFile {
  const lineCounter = new LineCounter();
  const documents = parseAllDocuments(text, { lineCounter, merge: true });
  const syntax = documents.flatMap((doc, i) => doc.errors.map((error) => syntaxDiagnostic(path, i, error)));
  if (syntax.length > 0) return { objects: [], diagnostics: syntax, ok: false };

  const objects: AnyObject[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const [i, doc] of documents.entries()) {
    const where: Where = { path, doc, lineCounter, field: `documents[${i}]`, keys: [] };
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (error) {
      // yaml refuses alias bombs here rather than at parse time.
      const message = `${locate(where)}: ${(error as Error).message}`;
      return { objects: [], diagnostics: [fileDiagnostic(where, 'InvalidYAML', message)], ok: false };
    }
    // An empty document (a trailing `---`, a comment) declares nothing, as for kubectl.
    if (value === null || value === undefined) continue;
    collect(value, where, 0, objects, diagnostics);
  }
  return { objects, diagnostics, ok: true };
}

function collect(
  value: unknown,
  where: Where,
  depth: number,
  objects: AnyObject[],
  diagnostics: Diagnostic[],
): void {
  if (!isMapping(value)) {
    const what = Array.isArray(value) ? 'a sequence' : `a ${typeof value}`;
    const message = `${locate(where)}: is ${what}, not a Kubernetes object (a mapping); left out`;
    diagnostics.push(fileDiagnostic(where, 'InvalidDocument', message));
    return;
  }
  if (isList(value)) {
    if (depth >= MAX_LIST_DEPTH) {
      const message = `${locate(where)}: Lists nested deeper than ${MAX_LIST_DEPTH}; left out`;
      diagnostics.push(fileDiagnostic(where, 'InvalidDocument', message));
      return;
    }
    for (const [j, item] of value.items.entries()) {
      const itemWhere = { ...where, field: `${where.field}.items[${j}]`, keys: [...where.keys, 'items', j] };
      collect(item, itemWhere, depth + 1, objects, diagnostics);
    }
    return;
  }
  const normalized = normalizeObject(value);
  if (normalized.result === 'object') objects.push(normalized.object);
  else if (normalized.result === 'problem') {
    const { ref, problem } = normalized;
    const message = `${locate(where)}: ${problem.message}`;
    if (ref) diagnostics.push(objectDiagnostic(ref, problem.field, problem.reason, message));
    else {
      const field = problem.field ? `${where.field}.${problem.field}` : where.field;
      diagnostics.push({ ...fileDiagnostic(where, problem.reason, message), field });
    }
  }
}

/** `kind: List` (what `kubectl get -o yaml` prints) and typed lists such as `ServiceList`. */
function isList(value: Record<string, unknown>): value is { kind: string; items: unknown[] } {
  return typeof value.kind === 'string' && value.kind.endsWith('List') && Array.isArray(value.items);
}

/** `path:line:col (documents[i]…)`: clickable in editors and terminals, and names the document. */
function locate(where: Where): string {
  const node = where.keys.length === 0 ? where.doc.contents : where.doc.getIn(where.keys, true);
  const offset =
    (node as { range?: [number, number, number] } | null)?.range?.[0] ?? where.doc.range?.[0] ?? 0;
  const { line, col } = where.lineCounter.linePos(offset);
  return `${where.path}:${line}:${col} (${where.field})`;
}

function syntaxDiagnostic(path: string, index: number, error: YAMLError): Diagnostic {
  const position = error.linePos?.[0];
  const at = position ? `${path}:${position.line}:${position.col}` : path;
  // yaml's message repeats the position and quotes the source; the first clause is the news.
  const what = error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
  return {
    object: { kind: MANIFEST_FILE_KIND, name: path },
    field: `documents[${index}]`,
    reason: 'InvalidYAML',
    message: `${at} (documents[${index}]): ${what}; this version of the file is not used`,
  };
}

function fileDiagnostic(where: Where, reason: string, message: string): Diagnostic {
  return { object: { kind: MANIFEST_FILE_KIND, name: where.path }, field: where.field, reason, message };
}

function objectDiagnostic(ref: ObjectRef, field: string | undefined, reason: string, message: string) {
  const diagnostic: Diagnostic =
    field === undefined ? { object: ref, reason, message } : { object: ref, field, reason, message };
  return diagnostic;
}
