// Typed reads of one Ingress's annotation values. Each value is checked against a JSON Schema
// (ajv) after the text is read the way ingress-nginx's parser reads it (Go strconv.Atoi /
// ParseBool, nginx sizes). An invalid value is reported as InvalidAnnotation and read as absent,
// so the caller's default applies, as ingress-nginx falls back to its ConfigMap default.
import { Ajv, type ValidateFunction } from 'ajv';
import type { Diagnostic } from '../../snapshot.ts';
import { ingressObject } from '../diagnostics.ts';
import type { IngressView } from '../lookup.ts';

const ajv = new Ajv({ allErrors: false, strict: true });
const compiled = new Map<string, ValidateFunction>();

function validator(schema: object): ValidateFunction {
  const id = JSON.stringify(schema);
  let check = compiled.get(id);
  if (check === undefined) {
    check = ajv.compile(schema);
    compiled.set(id, check);
  }
  return check;
}

/** Go strconv.Atoi's syntax (parser.ValidateInt): optional sign, decimal digits. */
const GO_INT = /^[+-]?[0-9]+$/;
/** ingress-nginx parser.SizeRegex `^(?i)\d+[bkmg]?$`: nginx sizes (bytes, k, m, g). */
const NGINX_SIZE = /^([0-9]+)([bkmg]?)$/i;
const SIZE_UNIT: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };
const GO_TRUE = ['1', 't', 'true'];
const GO_FALSE = ['0', 'f', 'false'];

/** Reads the annotations under one prefix of one Ingress, reporting invalid values. */
export class AnnotationValues {
  readonly #annotations: Readonly<Record<string, unknown>>;
  readonly #lead: string;
  readonly #object: Diagnostic['object'];
  readonly #diagnostics: Diagnostic[];

  constructor(ingress: IngressView, prefix: string, diagnostics: Diagnostic[]) {
    this.#annotations = ingress.annotations;
    this.#lead = `${prefix}/`;
    this.#object = ingressObject(ingress.namespace, ingress.name);
    this.#diagnostics = diagnostics;
  }

  /** The value trimmed, or undefined when absent or empty (ingress-nginx reads "" as unset). */
  text(key: string): string | undefined {
    const raw = this.#annotations[this.#lead + key];
    if (raw === undefined || raw === null) return undefined;
    const value = (typeof raw === 'string' ? raw : String(raw)).trim();
    return value === '' ? undefined : value;
  }

  /** The value as written, empty included; undefined only when the annotation is absent. */
  raw(key: string): string | undefined {
    const raw = this.#annotations[this.#lead + key];
    if (raw === undefined || raw === null) return undefined;
    return typeof raw === 'string' ? raw : String(raw);
  }

  /** An integer (Go Atoi) that also satisfies `schema` (e.g. a minimum), else undefined. */
  integer(key: string, schema: object = { type: 'integer' }): number | undefined {
    const value = this.text(key);
    if (value === undefined) return undefined;
    if (!GO_INT.test(value)) return this.invalid(key, value, 'it is not an integer');
    return this.#checked(key, value, Number(value), schema);
  }

  /** One of `options`, compared case-insensitively; returned lower-case. */
  option<T extends string>(key: string, options: readonly T[]): T | undefined {
    const value = this.text(key);
    if (value === undefined) return undefined;
    return this.#checked(key, value, value.toLowerCase(), { enum: options }) as T | undefined;
  }

  /** One of `options`, compared exactly (ingress-nginx parser.ValidateOptions with caseSensitive). */
  exactOption<T extends string>(key: string, options: readonly T[]): T | undefined {
    const value = this.text(key);
    if (value === undefined) return undefined;
    return this.#checked(key, value, value, { enum: options }) as T | undefined;
  }

  /** Go strconv.ParseBool's spellings, as parser.GetBoolAnnotation. */
  boolean(key: string): boolean | undefined {
    const value = this.text(key);
    if (value === undefined) return undefined;
    const v = value.toLowerCase();
    if (GO_TRUE.includes(v)) return true;
    if (GO_FALSE.includes(v)) return false;
    return this.invalid(key, value, 'it is not a boolean (true or false)');
  }

  /** An nginx size (`8m`, `1g`, `512k`, `1024`) in bytes. */
  size(key: string): number | undefined {
    const value = this.text(key);
    if (value === undefined) return undefined;
    const m = NGINX_SIZE.exec(value);
    if (m === null) return this.invalid(key, value, 'it is not an nginx size such as 1024, 512k, 8m or 1g');
    const bytes = Number(m[1]) * (SIZE_UNIT[(m[2] ?? '').toLowerCase()] ?? 1);
    return this.#checked(key, value, bytes, {
      type: 'integer',
      minimum: 0,
      maximum: Number.MAX_SAFE_INTEGER,
    });
  }

  /** Reports `value` of `key` as invalid; the caller then applies the default. */
  invalid(key: string, value: string, why: string): undefined {
    this.#diagnostics.push({
      object: this.#object,
      field: `metadata.annotations["${this.#lead}${key}"]`,
      reason: 'InvalidAnnotation',
      message: `${JSON.stringify(value)} is not valid for ${this.#lead}${key}: ${why}; its default applies`,
    });
    return undefined;
  }

  /**
   * Reports a restricting annotation whose value cannot be honoured: ingress-nginx's LocationDenied,
   * whose location answers 503. The caller closes the Ingress; it is never served open.
   */
  denied(key: string, value: string, why: string): void {
    this.#diagnostics.push({
      object: this.#object,
      field: `metadata.annotations["${this.#lead}${key}"]`,
      reason: 'InvalidAccessAnnotation',
      message:
        `${JSON.stringify(value)} is not valid for ${this.#lead}${key}: ${why}; it restricts access, ` +
        'so every route of this Ingress answers 503 until it is fixed',
    });
  }

  #checked<T>(key: string, value: string, typed: T, schema: object): T | undefined {
    const check = validator(schema);
    if (check(typed)) return typed;
    const error = check.errors?.[0];
    const params = error?.params as { allowedValues?: unknown[] } | undefined;
    const why =
      params?.allowedValues !== undefined
        ? `it must be one of ${params.allowedValues.join(', ')}`
        : `it ${error?.message ?? 'is out of range'}`;
    return this.invalid(key, value, why);
  }
}

/** A C0 control character or DEL, which no header value or cookie attribute may hold (RFC 9110 §5.5). */
export function hasControlCharacter(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}
