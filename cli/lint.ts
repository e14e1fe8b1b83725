// `gatehouse lint PATH...`: every diagnostic the controller would raise for these manifests, from
// the controller's own reader and translator, each with its severity (severity.ts) and, where the
// object came from a file, the file:line it starts at.
import type { Diagnostic } from '../controller/src/snapshot.ts';
import { type TranslateOptions, translate } from '../controller/src/translate/index.ts';
import { objectKey, type ReadManifests } from './manifests.ts';
import { type Severity, severityOf } from './severity.ts';

export interface Finding {
  severity: Severity;
  reason: string;
  /** `path:line:col` where the object starts; the file for a problem of the file itself. */
  at?: string;
  object: Diagnostic['object'];
  field?: string;
  message: string;
}

export interface LintReport {
  errors: number;
  warnings: number;
  /** Ingresses of the controller's class, out of those read. */
  ingresses: { handled: number; read: number };
  findings: Finding[];
}

const LOCATED = /^(\S+:\d+:\d+) \(/;

/** Pure: objects read → the report. Manifest problems first (in input order), then translation's. */
export function lintManifests(read: ReadManifests, options: TranslateOptions): LintReport {
  const result = translate(read.snapshot, options);
  const findings = [...read.diagnostics, ...result.diagnostics].map((d): Finding => {
    // An object the reader left out has no origin; its message starts with where it is (parse.ts locate()).
    const at =
      d.object.kind === 'ManifestFile'
        ? d.object.name
        : (read.origins.get(objectKey(d.object)) ?? LOCATED.exec(d.message)?.[1]);
    const finding: Finding = {
      severity: severityOf(d.reason),
      reason: d.reason,
      object: d.object,
      message: d.message,
    };
    if (at !== undefined) finding.at = at;
    if (d.field !== undefined) finding.field = d.field;
    return finding;
  });
  const errors = findings.filter((f) => f.severity === 'error').length;
  return {
    errors,
    warnings: findings.length - errors,
    ingresses: { handled: result.handled.length, read: read.snapshot.ingresses.length },
    findings,
  };
}

/** 1 when something will not be served as written; warnings too under --strict. */
export function lintExitCode(report: LintReport, strict: boolean): number {
  return report.errors > 0 || (strict && report.warnings > 0) ? 1 : 0;
}

function objectName(object: Diagnostic['object']): string {
  return `${object.kind} ${object.namespace === undefined ? '' : `${object.namespace}/`}${object.name}`;
}

/** For people: one finding per two lines, editor-clickable position first. */
export function formatLintText(report: LintReport): string {
  const lines: string[] = [];
  for (const f of report.findings) {
    const where =
      f.object.kind === 'ManifestFile' ? '' : ` ${objectName(f.object)}${f.field ? ` ${f.field}` : ''}`;
    lines.push(`${f.at ?? '-'}: ${f.severity} ${f.reason}${where}`, `    ${f.message}`);
  }
  const { handled, read } = report.ingresses;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  lines.push(
    `${plural(report.errors, 'error')}, ${plural(report.warnings, 'warning')}; ${handled} of ${read} Ingress${read === 1 ? '' : 'es'} read are of this controller's class`,
  );
  return `${lines.join('\n')}\n`;
}

/** For CI: the report as one JSON document. */
export function formatLintJson(report: LintReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
