// auth-type, auth-secret, auth-secret-type, auth-realm (ingress-nginx annotations.md#authentication,
// internal/ingress/annotations/auth/main.go, nginx.tmpl's auth_basic). Parsing is pure; the Secret
// is read when the snapshot is at hand (resolveBasicAuth), from the Ingress's own namespace only.
// Anything that cannot be honoured answers 503 (LocationDenied), never open.

import { hashScheme } from '../../../../dataplane/src/table/password-hash.ts';
import type { BasicAuth, BasicAuthUser } from '../../../../dataplane/src/table/types.ts';
import { isLoadableSecret } from '../certificates.ts';
import { record } from '../guard.ts';
import { objectKey, type SnapshotIndex } from '../lookup.ts';
import { type AnnotationValues, hasControlCharacter } from './values.ts';

export type AuthSecretType = 'auth-file' | 'auth-map';

/** What the annotations ask; the Secret is resolved later. `denied`: the routes answer 503. */
export type BasicAuthRequest =
  | {
      readonly kind: 'basic';
      readonly secret: string;
      readonly secretType: AuthSecretType;
      readonly realm: string;
    }
  | { readonly kind: 'denied' };

/** parser.CharsWithSpace, ingress-nginx's validator of auth-realm; anything else refuses the Ingress. */
export const REALM = /^[/\-._~a-zA-Z0-9: ]*$/;
/** The route table's bound (dataplane/src/table/schema.ts). */
export const MAX_USERS = 10000;

/**
 * The auth-* annotations, or undefined without auth-type (ingress-nginx then ignores the others:
 * the annotation is missing and the parser leaves the location open).
 */
export function parseBasicAuth(values: AnnotationValues, namespace: string): BasicAuthRequest | undefined {
  const type = values.raw('auth-type');
  if (type === undefined) return undefined;
  const denied = { kind: 'denied' } as const;
  // parser.ValidateRegex(`basic|digest`, removeSpace): spaces are dropped before the check.
  const kind = type.replaceAll(' ', '').trim();
  if (kind === 'digest') {
    values.denied(
      'auth-type',
      type,
      'Gatehouse has no Digest authentication (ingress-nginx loads the third-party nginx-http-auth-digest module for it)',
    );
    return denied;
  }
  if (kind !== 'basic') {
    values.denied('auth-type', type, 'it must be basic');
    return denied;
  }
  const secretType = values.raw('auth-secret-type')?.trim() || 'auth-file';
  if (secretType !== 'auth-file' && secretType !== 'auth-map') {
    values.denied('auth-secret-type', secretType, 'it must be auth-file or auth-map');
    return denied;
  }
  const realm = values.raw('auth-realm')?.trim() ?? '';
  if (!REALM.test(realm)) {
    values.denied('auth-realm', realm, 'ingress-nginx takes letters, digits, spaces and - . _ ~ / : only');
    return denied;
  }
  const secret = secretName(values, namespace);
  if (secret === undefined) return denied;
  return { kind: 'basic', secret, secretType, realm };
}

/** auth-secret: `name` or `namespace/name` (cache.SplitMetaNamespaceKey), in the Ingress's namespace only. */
function secretName(values: AnnotationValues, namespace: string): string | undefined {
  const text = values.raw('auth-secret')?.trim();
  if (text === undefined || text === '') {
    values.denied('auth-secret', text ?? '', 'auth-type basic needs the Secret holding the users');
    return undefined;
  }
  const parts = text.split('/');
  const [ns, name] =
    parts.length === 1 ? [namespace, parts[0] as string] : [parts[0] as string, parts[1] as string];
  if (parts.length > 2 || (parts.length === 2 && ns === '')) {
    values.denied('auth-secret', text, 'it is not a Secret name or namespace/name');
    return undefined;
  }
  // AllowCrossNamespaceResources is off by default in ingress-nginx; Gatehouse never reads across.
  if (ns !== namespace) {
    values.denied('auth-secret', text, `only Secrets of the Ingress's own namespace "${namespace}" are read`);
    return undefined;
  }
  if (!isLoadableSecret(namespace, name)) {
    values.denied('auth-secret', text, 'it is not a valid Secret name');
    return undefined;
  }
  return name;
}

export type BasicAuthResolution =
  | { ok: true; auth: BasicAuth; warnings: string[] }
  | { ok: false; message: string };

/**
 * The request with its Secret read: `auth` holds an htpasswd file (auth-file), or each key is a user
 * and its value a hash (auth-map, which ingress-nginx writes out as `key:value` lines).
 */
export function resolveBasicAuth(
  request: Extract<BasicAuthRequest, { kind: 'basic' }>,
  namespace: string,
  index: SnapshotIndex,
): BasicAuthResolution {
  const where = `Secret ${namespace}/${request.secret}`;
  const secret = index.secrets.get(objectKey(namespace, request.secret));
  if (secret === undefined) {
    return {
      ok: false,
      message: `auth-secret: ${where} is not found (or not an Opaque Secret); the routes answer 503`,
    };
  }
  const data = record(secret.data);
  const warnings: string[] = [];
  let entries: Array<{ user: string; hash: string; line: string }>;
  if (request.secretType === 'auth-file') {
    const file = data.auth;
    if (typeof file !== 'string')
      return { ok: false, message: `auth-secret: ${where} has no "auth" key; the routes answer 503` };
    entries = htpasswdEntries(decode(file), warnings, where);
  } else {
    entries = Object.keys(data)
      .sort()
      .map((user) => mapEntry(user, decode(String(data[user])), warnings, where));
  }
  const users: BasicAuthUser[] = [];
  const seen = new Set<string>();
  for (const { user, hash, line } of entries) {
    // nginx reads the file top down and checks the first entry of the user only.
    if (seen.has(user)) continue;
    seen.add(user);
    if (hashScheme(hash) === undefined) {
      warnings.push(
        `${where}: ${line} has a hash format Gatehouse cannot verify (it takes $apr1$, $1$, bcrypt $2a$/$2b$/$2y$ ` +
          `of cost 4 to 12, {SHA}, {SSHA}, {PLAIN} and DES crypt); user ${JSON.stringify(user)} cannot log in`,
      );
      continue;
    }
    users.push({ user, hash });
  }
  if (users.length > MAX_USERS)
    return {
      ok: false,
      message: `auth-secret: ${where} lists ${users.length} users, more than Gatehouse takes (${MAX_USERS}); the routes answer 503`,
    };
  if (users.length === 0) warnings.push(`${where}: no user can log in; every request is answered 401`);
  return { ok: true, auth: { realm: request.realm, users }, warnings };
}

/** The user lines of an htpasswd file as nginx's auth_basic reads them. */
function htpasswdEntries(file: string, warnings: string[], where: string) {
  const entries: Array<{ user: string; hash: string; line: string }> = [];
  const lines = file.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i] as string;
    // A line starting with '#' or CR is skipped; an empty line too.
    if (text === '' || text.startsWith('#') || text.startsWith('\r')) continue;
    const line = `line ${i + 1}`;
    const colon = text.indexOf(':');
    if (colon <= 0 || hasControlCharacter(text.slice(0, colon))) {
      warnings.push(`${where}: ${line} of "auth" is not user:hash; it is ignored`);
      continue;
    }
    entries.push({ user: text.slice(0, colon), hash: hashField(text.slice(colon + 1)), line });
  }
  return entries;
}

function mapEntry(user: string, value: string, warnings: string[], where: string) {
  const hash = hashField(value);
  // ingress-nginx writes `user:value\n`: more lines would be more users, in Go's random map order.
  if (
    value
      .slice(hash.length)
      .replace(/^:[^\r\n]*/, '')
      .trim() !== ''
  )
    warnings.push(`${where}: the value of key "${user}" holds more than one line; only its first is read`);
  return { user, hash, line: `key "${user}"` };
}

/** nginx's password field ends at ':', CR or LF. */
function hashField(rest: string): string {
  const end = rest.search(/[:\r\n]/);
  return end === -1 ? rest : rest.slice(0, end);
}

function decode(base64: string): string {
  return Buffer.from(base64, 'base64').toString('utf8');
}
