// One manifest file's text → the objects it declares, with a diagnostic for each document that
// cannot be used. Pure: the caller reads the file. Multi-document YAML, JSON and `kind: List`.
// Documents are composed one at a time and a kind gatehouse does not read is recognised on the
// syntax tree, so it is never converted to JavaScript: a 50 MB file of ConfigMaps costs a few MB.
import {
  Composer,
  type Document,
  isMap,
  isNode,
  isScalar,
  isSeq,
  LineCounter,
  Parser,
  type YAMLError,
} from 'yaml';
import type { AnyObject, Diagnostic } from '../../snapshot.ts';
import { DEFAULT_MANIFEST_LIMITS } from './limits.ts';
import { isMapping, normalizeObject, type ObjectRef, readsKind } from './normalize.ts';

/** Diagnostics about a file or a document with no identity of its own point at the file. */
export const MANIFEST_FILE_KIND = 'ManifestFile';

export interface ParsedManifestFile {
  objects: AnyObject[];
  /** Where each object starts, `path:line:col`, parallel to `objects`: lint points people there. */
  origins: string[];
  diagnostics: Diagnostic[];
  /**
   * False when the file is not readable YAML at all, or holds problems and not one usable object:
   * the caller keeps its last good objects.
   */
  ok: boolean;
}

export interface ParseLimits {
  /** Documents and List items together; past it the file is refused. */
  maxDocuments: number;
}

// kubectl flattens nested Lists; a bound keeps a hostile file from recursing without end.
const MAX_LIST_DEPTH = 8;
/** Problems listed per file; the rest are counted, so a noisy file cannot flood the log. */
const MAX_PROBLEMS_PER_FILE = 100;
/** Unread kinds named in a file's summary. */
const MAX_KINDS_NAMED = 5;

interface Where {
  path: string;
  doc: Document;
  lineCounter: LineCounter;
  /** Field of the document within the file, e.g. `documents[1].items[0]`. */
  field: string;
  /** Keys of the node within its document, to find its line. */
  keys: Array<string | number>;
}

/** What one file yields, built up document by document. */
class FileReport {
  readonly objects: AnyObject[] = [];
  readonly origins: string[] = [];
  readonly #problems: Diagnostic[] = [];
  #unlisted = 0;
  #documents = 0;
  readonly #unread = new Map<string, { count: number; first: string }>();
  /** Set when the whole file is refused. */
  failure: Diagnostic | undefined;

  readonly path: string;
  readonly maxDocuments: number;

  constructor(path: string, maxDocuments: number) {
    this.path = path;
    this.maxDocuments = maxDocuments;
  }

  /** Counts one document or List item; false (and the file refused) past the limit. */
  countDocument(): boolean {
    if (++this.#documents <= this.maxDocuments) return true;
    this.failure ??= {
      object: { kind: MANIFEST_FILE_KIND, name: this.path },
      reason: 'TooManyDocuments',
      message: `${this.path}: more than ${this.maxDocuments} documents (List items included), the most a file may hold (--manifests-max-documents); this version of the file is not used`,
    };
    return false;
  }

  get hasProblems(): boolean {
    return this.#problems.length > 0;
  }

  problem(diagnostic: Diagnostic): void {
    if (this.#problems.length < MAX_PROBLEMS_PER_FILE) this.#problems.push(diagnostic);
    else this.#unlisted++;
  }

  unread(kind: string, where: Where): void {
    const seen = this.#unread.get(kind);
    if (seen) seen.count++;
    else {
      const { at, field } = position(where);
      this.#unread.set(kind, { count: 1, first: `${at}, ${field}` });
    }
  }

  result(): ParsedManifestFile {
    if (this.failure) return { objects: [], origins: [], diagnostics: [this.failure], ok: false };
    const diagnostics = [...this.#problems];
    if (this.#unlisted > 0)
      diagnostics.push(this.#fileDiagnostic('TooManyProblems', this.#unlistedMessage()));
    if (this.#unread.size > 0)
      diagnostics.push(this.#fileDiagnostic('UnsupportedKind', this.#unreadMessage()));
    // Nothing in the file could be used, and not because it is empty: a file overwritten with
    // garbage (or an edit that broke its only object) keeps its last good objects, as the
    // apiserver keeps an object whose update it refused. A file that is only partly bad serves the rest.
    const usable = this.objects.length > 0 || this.#problems.length === 0;
    return { objects: this.objects, origins: this.origins, diagnostics, ok: usable };
  }

  #unlistedMessage(): string {
    return `${this.path}: ${this.#unlisted} more problems not listed (at most ${MAX_PROBLEMS_PER_FILE} per file)`;
  }

  #unreadMessage(): string {
    const kinds = [...this.#unread.entries()];
    const total = kinds.reduce((n, [, { count }]) => n + count, 0);
    const named = kinds.slice(0, MAX_KINDS_NAMED).map(([kind, { count, first }]) => {
      return `${kind} ×${count} (first at ${first})`;
    });
    const more = kinds.length > MAX_KINDS_NAMED ? `, and ${kinds.length - MAX_KINDS_NAMED} more kinds` : '';
    return `${this.path}: ${total} objects of kinds gatehouse does not read left out: ${named.join(', ')}${more}`;
  }

  #fileDiagnostic(reason: string, message: string): Diagnostic {
    return { object: { kind: MANIFEST_FILE_KIND, name: this.path }, reason, message };
  }
}

export function parseManifestFile(
  path: string,
  text: string,
  limits: ParseLimits = DEFAULT_MANIFEST_LIMITS,
): ParsedManifestFile {
  const lineCounter = new LineCounter();
  const tokens = new Parser(lineCounter.addNewLine).parse(text);
  const report = new FileReport(path, limits.maxDocuments);
  const syntax = new FileReport(path, limits.maxDocuments);
  let index = 0;
  // Unlike parseAllDocuments, which holds every document at once, each one is garbage before the
  // next is composed; a refused file stops being parsed where it is refused.
  for (const doc of new Composer({ merge: true }).compose(tokens)) {
    const i = index++;
    if (!report.countDocument()) break;
    if (doc.errors.length > 0) {
      for (const error of doc.errors) syntax.problem(syntaxDiagnostic(path, i, error, lineCounter));
      continue;
    }
    // Once the file is known to be broken only its syntax is still checked.
    if (syntax.hasProblems) continue;
    collectNode(doc.contents, { path, doc, lineCounter, field: `documents[${i}]`, keys: [] }, 0, report);
    if (report.failure) break;
  }
  if (report.failure) return report.result();
  if (syntax.hasProblems)
    return { objects: [], origins: [], diagnostics: syntax.result().diagnostics, ok: false };
  return report.result();
}

/** Reads what it can on the syntax tree; converts to JavaScript only what may be kept. */
function collectNode(node: unknown, where: Where, depth: number, report: FileReport): void {
  if (isMap(node)) {
    const kind = plainString(node.get('kind', true));
    const items = node.get('items', true);
    if (kind?.endsWith('List') && isSeq(items)) {
      if (depth >= MAX_LIST_DEPTH) {
        listTooDeep(where, report);
        return;
      }
      for (const [j, item] of items.items.entries()) {
        if (!report.countDocument()) return;
        collectNode(item, itemWhere(where, j), depth + 1, report);
      }
      return;
    }
    if (kind !== undefined && !readsKind(kind)) {
      report.unread(kind, where);
      return;
    }
  }
  let value: unknown;
  try {
    value = isNode(node) ? node.toJS(where.doc, { maxAliasCount: 100 }) : node;
  } catch (error) {
    // yaml refuses alias bombs here rather than at parse time.
    const message = `${locate(where)}: ${(error as Error).message}`;
    report.failure = fileDiagnostic(where, 'InvalidYAML', message);
    return;
  }
  // An empty document (a trailing `---`, a comment) declares nothing, as for kubectl.
  if (depth === 0 && (value === null || value === undefined)) return;
  collectValue(value, where, depth, report);
}

/** The same judgement on a converted value: what aliases and merge keys hid from the tree. */
function collectValue(value: unknown, where: Where, depth: number, report: FileReport): void {
  if (!isMapping(value)) {
    const what = Array.isArray(value) ? 'a sequence' : `a ${typeof value}`;
    const message = `${locate(where)}: is ${what}, not a Kubernetes object (a mapping); left out`;
    report.problem(fileDiagnostic(where, 'InvalidDocument', message));
    return;
  }
  if (isList(value)) {
    if (depth >= MAX_LIST_DEPTH) {
      listTooDeep(where, report);
      return;
    }
    for (const [j, item] of value.items.entries()) {
      if (!report.countDocument()) return;
      collectValue(item, itemWhere(where, j), depth + 1, report);
    }
    return;
  }
  if (typeof value.kind === 'string' && value.kind !== '' && !readsKind(value.kind)) {
    report.unread(value.kind, where);
    return;
  }
  const normalized = normalizeObject(value);
  if (normalized.result === 'object') {
    report.objects.push(normalized.object);
    report.origins.push(position(where).at);
  } else if (normalized.result === 'problem') {
    const { ref, problem } = normalized;
    const message = `${locate(where)}: ${problem.message}`;
    if (ref) report.problem(objectDiagnostic(ref, problem.field, problem.reason, message));
    else {
      const field = problem.field ? `${where.field}.${problem.field}` : where.field;
      report.problem({ ...fileDiagnostic(where, problem.reason, message), field });
    }
  }
}

function itemWhere(where: Where, j: number): Where {
  return { ...where, field: `${where.field}.items[${j}]`, keys: [...where.keys, 'items', j] };
}

function listTooDeep(where: Where, report: FileReport): void {
  const message = `${locate(where)}: Lists nested deeper than ${MAX_LIST_DEPTH}; left out`;
  report.problem(fileDiagnostic(where, 'InvalidDocument', message));
}

/** A plain string scalar on the tree; an alias or a tagged value is left to conversion. */
function plainString(node: unknown): string | undefined {
  return isScalar(node) && typeof node.value === 'string' && node.value !== '' ? node.value : undefined;
}

/** `kind: List` (what `kubectl get -o yaml` prints) and typed lists such as `ServiceList`. */
function isList(value: Record<string, unknown>): value is { kind: string; items: unknown[] } {
  return typeof value.kind === 'string' && value.kind.endsWith('List') && Array.isArray(value.items);
}

function position(where: Where): { at: string; field: string } {
  const node = where.keys.length === 0 ? where.doc.contents : where.doc.getIn(where.keys, true);
  const offset =
    (node as { range?: [number, number, number] } | null)?.range?.[0] ?? where.doc.range?.[0] ?? 0;
  const { line, col } = where.lineCounter.linePos(offset);
  return { at: `${where.path}:${line}:${col}`, field: where.field };
}

/** `path:line:col (documents[i]…)`: clickable in editors and terminals, and names the document. */
function locate(where: Where): string {
  const { at, field } = position(where);
  return `${at} (${field})`;
}

function syntaxDiagnostic(
  path: string,
  index: number,
  error: YAMLError,
  lineCounter: LineCounter,
): Diagnostic {
  const { line, col } = lineCounter.linePos(error.pos[0]);
  // yaml's message may repeat the position and quote the source; the first clause is the news.
  const what = error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
  return {
    object: { kind: MANIFEST_FILE_KIND, name: path },
    field: `documents[${index}]`,
    reason: 'InvalidYAML',
    message: `${path}:${line}:${col} (documents[${index}]): ${what}; this version of the file is not used`,
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
