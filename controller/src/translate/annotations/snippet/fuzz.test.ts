// Fuzzing the snippet parser with random and hostile text (seeded, so a failure reproduces: the
// seed and the snippet are in the message). What must hold for every input:
// - parseSnippet returns a value, never throws;
// - an accepted snippet yields only typed table values that pass the route table's own validator;
// - nothing outside the grammar is accepted: every directive read is in it, no block, no variable.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Route, RouteTable } from '../../../../../dataplane/src/table/types.ts';
import { validateRouteTable } from '../../../../../dataplane/src/table/validate.ts';
import { snippetAccess, snippetFilters } from './filters.ts';
import { parseSnippet } from './parse.ts';
import { tokenize } from './tokenize.ts';

const GRAMMAR = new Set([
  'add_header',
  'more_set_headers',
  'more_clear_headers',
  'proxy_hide_header',
  'proxy_set_header',
  'more_set_input_headers',
  'more_clear_input_headers',
  'return',
  'rewrite',
  'allow',
  'deny',
  'expires',
]);

/** mulberry32: small, seedable, good enough to spread inputs. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const VALID = [
  'add_header X-Frame-Options "SAMEORIGIN" always;',
  'more_set_headers "Server: edge" "X-A: 1";',
  'more_clear_headers X-Powered-By;',
  'proxy_hide_header X-Debug;',
  'proxy_set_header X-Tenant blue;',
  'more_set_input_headers "X-Env: prod";',
  'more_clear_input_headers X-Secret;',
  'return 403;',
  'return 200 "ok";',
  'return 301 https://a.example/x;',
  'rewrite ^/old/(.*)$ /new/$1 break;',
  'rewrite ^/old/(.*)$ /new/$1 permanent;',
  'allow 10.0.0.0/8;',
  'deny all;',
  'expires 1h;',
  '# a comment',
];

const HOSTILE = [
  '}',
  '{',
  'location / {',
  '} location /admin { allow all; }',
  'content_by_lua_block { os.execute("id") }',
  'access_by_lua "ngx.exit(200)";',
  'include /etc/nginx/nginx.conf;',
  'load_module /tmp/x.so;',
  'proxy_pass http://169.254.169.254/;',
  '$host',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: an nginx variable, on purpose
  '${remote_addr}',
  '$http_authorization',
  '\u0000',
  '\r\n',
  '\n',
  '"',
  "'",
  '\\',
  ';',
  '#',
  '*',
  ' ',
  '\t',
  'X-Injected: 1',
  'set $a 1;',
  'if ($request_method = POST) { return 405; }',
  'ssl_certificate /etc/shadow;',
  '\u2028',
  '\ud800',
  'é',
];

const ALPHABET = [...'abcdefxyzAX-_:/.$#;{}"\'\\ \t\n\r01239*?()^[]|@~=+,%\u0000\u007f'];

function pick<T>(rand: () => number, list: readonly T[]): T {
  return list[Math.floor(rand() * list.length)];
}

function randomText(rand: () => number): string {
  const kind = rand();
  if (kind < 0.25) {
    let s = '';
    const n = Math.floor(rand() * 80);
    for (let i = 0; i < n; i++) s += pick(rand, ALPHABET);
    return s;
  }
  const parts: string[] = [];
  const n = 1 + Math.floor(rand() * 6);
  for (let i = 0; i < n; i++) parts.push(rand() < 0.5 ? pick(rand, VALID) : pick(rand, HOSTILE));
  let s = parts.join(rand() < 0.5 ? '\n' : ' ');
  // Mutations of otherwise valid text: a character inserted, dropped or swapped.
  const edits = Math.floor(rand() * 3);
  for (let e = 0; e < edits && s.length > 0; e++) {
    const at = Math.floor(rand() * s.length);
    const op = rand();
    if (op < 0.34) s = s.slice(0, at) + pick(rand, ALPHABET) + s.slice(at);
    else if (op < 0.67) s = s.slice(0, at) + s.slice(at + 1);
    else s = s.slice(0, at) + pick(rand, ALPHABET) + s.slice(at + 1);
  }
  if (rand() < 0.02) s = s.repeat(1 + Math.floor(rand() * 400));
  return s;
}

function tableWith(route: Route): RouteTable {
  return {
    version: 1,
    hosts: [{ host: 'a.example', routes: [route] }],
    backends: {
      'ns/svc:80': {
        namespace: 'ns',
        service: 'svc',
        protocol: 'HTTP',
        endpoints: [],
        balancer: { type: 'RoundRobin' },
      },
    },
    certificates: {},
  };
}

/** Every string inside a value, for the checks that no variable or control character got through. */
function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) strings(v, out);
  else if (value !== null && typeof value === 'object') for (const v of Object.values(value)) strings(v, out);
  return out;
}

describe('snippet parser fuzz', () => {
  const SEED = Number(process.env.SNIPPET_FUZZ_SEED ?? 0x5eed);
  const COUNT = 4000;

  it(`${COUNT} random and hostile snippets (seed ${SEED}): never throws, accepts only typed, valid, in-grammar values`, () => {
    const rand = prng(SEED);
    let accepted = 0;
    for (let n = 0; n < COUNT; n++) {
      const text = randomText(rand);
      const where = `seed ${SEED}, case ${n}: ${JSON.stringify(text.slice(0, 300))}`;
      let parsed: ReturnType<typeof parseSnippet>;
      try {
        parsed = parseSnippet(text);
      } catch (error) {
        assert.fail(`threw ${(error as Error).message} on ${where}`);
      }
      if (!parsed.ok) {
        assert.ok(parsed.line >= 1 && parsed.message.length > 0, where);
        continue;
      }
      accepted++;
      const tokens = tokenize(text);
      assert.ok(tokens.ok, where);
      for (const s of tokens.statements) assert.ok(GRAMMAR.has(s.name), `accepted ${s.name}: ${where}`);
      const route: Route = {
        id: 'r',
        source: { kind: 'Ingress', namespace: 'ns', name: 'i' },
        match: { path: { type: 'Prefix', value: '/' } },
        backends: [{ backend: 'ns/svc:80', weight: 1 }],
        filters: snippetFilters(parsed.rules),
      };
      const access = snippetAccess(parsed.rules);
      if (access !== undefined) route.clientAccess = access;
      const valid = validateRouteTable(tableWith(route));
      assert.ok(valid.ok, `${valid.ok ? '' : valid.errors.join('; ')}: ${where}`);
      for (const s of strings(route.filters)) {
        // `$1`…`$9` captures are the only `$` a value may keep (RegexReplace values and patterns' `$` anchors).
        assert.doesNotMatch(
          s.replace(/\$[1-9]/g, '').replace(/\$\)?$/, ''),
          /\$[A-Za-z_{]/,
          `variable in ${s}: ${where}`,
        );
        // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
        assert.doesNotMatch(s, /[\u0000-\u0008\u000a-\u001f\u007f]/, `control character: ${where}`);
      }
    }
    // The generator must reach the accepting side too, or the checks above prove nothing.
    assert.ok(accepted > COUNT / 20, `only ${accepted} of ${COUNT} accepted`);
  });

  it('a statement outside the grammar anywhere refuses the whole snippet', () => {
    const rand = prng(SEED + 1);
    for (let n = 0; n < 500; n++) {
      const before = Array.from({ length: Math.floor(rand() * 4) }, () => pick(rand, VALID.slice(0, 7)));
      const foreign = pick(rand, [
        'proxy_pass http://x;',
        'set $a 1;',
        'include x;',
        'lua_code_cache off;',
        'root /;',
      ]);
      const text = [...before, foreign, pick(rand, VALID.slice(0, 7))].join('\n');
      const parsed = parseSnippet(text);
      assert.equal(parsed.ok, false, text);
      if (!parsed.ok) assert.equal(parsed.line, before.length + 1, text);
    }
  });
});
