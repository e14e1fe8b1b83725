// The snippet grammar, directive by directive, against nginx's documented behaviour:
// nginx.org/en/docs/http/ngx_http_headers_module.html (add_header, expires),
// ngx_http_proxy_module.html (proxy_set_header, proxy_hide_header), ngx_http_rewrite_module.html
// (return, rewrite), ngx_http_access_module.html (allow, deny), and openresty/headers-more-nginx-module
// (more_set_headers, more_clear_headers, more_set_input_headers, more_clear_input_headers), the
// module ingress-nginx builds in (annotations.md#configuration-snippet).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SnippetRules } from './directives.ts';
import { parseSnippet, restrictsAccess } from './parse.ts';

function rules(text: string): SnippetRules {
  const parsed = parseSnippet(text);
  assert.ok(
    parsed.ok,
    parsed.ok ? '' : `refused: line ${parsed.line} ${parsed.directive}: ${parsed.message}`,
  );
  return parsed.rules;
}

const none = { set: [], add: [], remove: [] };

describe('snippet grammar: accepted directives become typed values', () => {
  it('add_header NAME VALUE adds a response header on success statuses only; with always on every status', () => {
    const r = rules('add_header X-Frame-Options "SAMEORIGIN";\nadd_header Cache-Tag "a b" always;');
    assert.deepEqual(r.successResponseHeaders.add, [{ name: 'X-Frame-Options', value: 'SAMEORIGIN' }]);
    assert.deepEqual(r.responseHeaders.add, [{ name: 'Cache-Tag', value: 'a b' }]);
  });

  it('more_set_headers "Name: value" … sets response headers; "Name:" clears one', () => {
    const r = rules(`more_set_headers "Server: edge" 'X-A: 1' "X-Gone:";`);
    assert.deepEqual(r.responseHeaders, {
      set: [
        { name: 'Server', value: 'edge' },
        { name: 'X-A', value: '1' },
      ],
      add: [],
      remove: ['X-Gone'],
    });
  });

  it('more_clear_headers and proxy_hide_header remove response headers', () => {
    const r = rules('more_clear_headers X-Powered-By Server;\nproxy_hide_header X-Debug;');
    assert.deepEqual(r.responseHeaders.remove, ['X-Powered-By', 'Server', 'X-Debug']);
  });

  it('proxy_set_header and more_set_input_headers set request headers; an empty value and more_clear_input_headers remove', () => {
    const r = rules(
      'proxy_set_header X-Tenant blue;\nmore_set_input_headers "X-Env: prod";\nproxy_set_header X-Drop "";\nmore_clear_input_headers X-Secret;',
    );
    assert.deepEqual(r.requestHeaders, {
      set: [
        { name: 'X-Tenant', value: 'blue' },
        { name: 'X-Env', value: 'prod' },
      ],
      add: [],
      remove: ['X-Drop', 'X-Secret'],
    });
    assert.deepEqual(r.responseHeaders, none);
  });

  it('return CODE [TEXT] answers directly; return 30x URL and return URL redirect without the query', () => {
    assert.deepEqual(rules('return 403;').answer, { type: 'DirectResponse', statusCode: 403 });
    assert.deepEqual(rules('return 200 "healthy";').answer, {
      type: 'DirectResponse',
      statusCode: 200,
      body: 'healthy',
    });
    assert.deepEqual(rules('return 301 https://new.example.com/landing;').answer, {
      type: 'RequestRedirect',
      statusCode: 301,
      scheme: 'https',
      hostname: 'new.example.com',
      path: { type: 'ReplaceFullPath', value: '/landing' },
      dropQuery: true,
    });
    assert.deepEqual(rules('return http://a.example:8080;').answer, {
      type: 'RequestRedirect',
      statusCode: 302,
      scheme: 'http',
      hostname: 'a.example',
      port: 8080,
      path: { type: 'ReplaceFullPath', value: '/' },
      dropQuery: true,
    });
    assert.deepEqual(rules('return 307 /maintenance;').answer, {
      type: 'RequestRedirect',
      statusCode: 307,
      path: { type: 'ReplaceFullPath', value: '/maintenance' },
      keepRequestPort: true,
      dropQuery: true,
    });
  });

  it('rewrite … break|last rewrites the upstream path; redirect/permanent redirect where the regex matches', () => {
    const pattern = '^/old/(.*)$';
    const modifier = { type: 'RegexReplace', pattern, value: '/new/$1' };
    assert.deepEqual(rules(`rewrite ${pattern} /new/$1 break;`).rewrite, {
      type: 'URLRewrite',
      path: modifier,
    });
    assert.deepEqual(rules(`rewrite ${pattern} /new/$1 last;`).rewrite, {
      type: 'URLRewrite',
      path: modifier,
    });
    assert.deepEqual(rules(`rewrite ${pattern} /new/$1;`).rewrite, { type: 'URLRewrite', path: modifier });
    assert.deepEqual(rules(`rewrite ${pattern} /new/$1 permanent;`).rewrite, {
      type: 'RequestRedirect',
      statusCode: 301,
      path: modifier,
      keepRequestPort: true,
    });
    assert.deepEqual(rules(`rewrite ${pattern} /new/$1? redirect;`).rewrite, {
      type: 'RequestRedirect',
      statusCode: 302,
      path: modifier,
      keepRequestPort: true,
      dropQuery: true,
    });
    // A replacement starting with http:// redirects whatever the flag (ngx_http_rewrite_module).
    assert.deepEqual(rules('rewrite ^/(.*)$ https://b.example/$1 break;').rewrite, {
      type: 'RequestRedirect',
      statusCode: 302,
      scheme: 'https',
      hostname: 'b.example',
      path: { type: 'RegexReplace', pattern: '^/(.*)$', value: '/$1' },
    });
  });

  it('a regex with braces is quoted, as nginx requires; its backslashes are kept for RE2', () => {
    assert.deepEqual(rules('rewrite "^/(\\d{3})/(.*)$" /code/$1/$2 break;').rewrite, {
      type: 'URLRewrite',
      path: { type: 'RegexReplace', pattern: '^/(\\d{3})/(.*)$', value: '/code/$1/$2' },
    });
  });

  it('allow / deny become ordered clientAccess rules; "all" ends them (later rules are never reached)', () => {
    assert.deepEqual(rules('allow 10.0.0.0/8;\nallow 192.168.1.1;\ndeny all;\nallow 1.2.3.4;').access, {
      rules: [{ action: 'allow', cidrs: ['10.0.0.0/8', '192.168.1.1'] }],
      otherwise: 'deny',
    });
    assert.deepEqual(rules('deny 2001:db8::/32;\ndeny ::ffff:10.0.0.1;\nallow all;').access, {
      rules: [{ action: 'deny', cidrs: ['2001:db8::/32', '::ffff:10.0.0.1'] }],
      otherwise: 'allow',
    });
    // No "all": nginx lets through what no rule names.
    assert.deepEqual(rules('deny 10.1.2.3;').access, {
      rules: [{ action: 'deny', cidrs: ['10.1.2.3'] }],
      otherwise: 'allow',
    });
  });

  it('expires: a time is Cache-Control max-age; epoch, max and negative times as nginx; off nothing', () => {
    assert.deepEqual(rules('expires 1h30m;').successResponseHeaders.set, [
      { name: 'Cache-Control', value: 'max-age=5400' },
    ]);
    assert.deepEqual(rules('expires 7d;').successResponseHeaders.set, [
      { name: 'Cache-Control', value: 'max-age=604800' },
    ]);
    assert.deepEqual(rules('expires 60;').successResponseHeaders.set, [
      { name: 'Cache-Control', value: 'max-age=60' },
    ]);
    assert.deepEqual(rules('expires -1;').successResponseHeaders.set, [
      { name: 'Cache-Control', value: 'no-cache' },
    ]);
    assert.deepEqual(rules('expires epoch;').successResponseHeaders.set, [
      { name: 'Expires', value: 'Thu, 01 Jan 1970 00:00:01 GMT' },
      { name: 'Cache-Control', value: 'no-cache' },
    ]);
    assert.deepEqual(rules('expires max;').successResponseHeaders.set, [
      { name: 'Expires', value: 'Thu, 31 Dec 2037 23:55:55 GMT' },
      { name: 'Cache-Control', value: 'max-age=315360000' },
    ]);
    assert.deepEqual(rules('expires off;').successResponseHeaders, none);
  });

  it('comments, blank lines, CRLF line ends and escaped quotes are read as nginx reads them', () => {
    const r = rules('# set by the platform team\r\n\r\nadd_header X-Q "say \\"hi\\"" always; # trailing\r\n');
    assert.deepEqual(r.responseHeaders.add, [{ name: 'X-Q', value: 'say "hi"' }]);
    assert.deepEqual(rules('').requestHeaders, none);
  });
});

describe('snippet grammar: anything else refuses the whole snippet, naming the directive and line', () => {
  const refused: Array<
    [rule: string, text: string, line: number, directive: string | undefined, message: RegExp]
  > = [
    [
      'an unknown directive',
      'add_header A b;\nproxy_pass http://evil;',
      2,
      'proxy_pass',
      /not in the snippet grammar/,
    ],
    ['lua', 'access_by_lua_block { ngx.exit(200) }', 1, 'access_by_lua_block', /block/],
    ['include', 'include /etc/passwd;', 1, 'include', /not in the snippet grammar/],
    ['a location block (injection)', '}\nlocation / {\n  return 200;\n}', 1, undefined, /block/],
    ['a server block', 'server { listen 80; }', 1, 'server', /block/],
    ['a missing semicolon', 'add_header A b', 1, 'add_header', /does not end with ";"/],
    ['an unbalanced quote', 'add_header A "b;', 1, 'add_header', /unbalanced/],
    ['a NUL byte', 'add_header A "b\u0000c";', 1, 'add_header', /control character/],
    ['a newline in a quoted value', 'add_header A "b\nX-Injected: 1";', 1, 'add_header', /control character/],
    ['an escaped newline', 'add_header A "b\\r\\nX: 1";', 1, 'add_header', /escape/],
    ['a lone CR', 'add_header A b;\rdeny all;', 1, undefined, /carriage return/],
    ['a variable in a value', 'add_header X-Client $remote_addr;', 1, 'add_header', /\$remote_addr/],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: an nginx variable, on purpose
    ['a braced variable', 'proxy_set_header X-H "${host}x";', 1, 'proxy_set_header', /\$\{host\}/],
    ['a variable in return text', 'return 200 "$request_uri";', 1, 'return', /\$request_uri/],
    ['a variable in a rewrite', 'rewrite ^/(.*)$ /$host/$1 break;', 1, 'rewrite', /\$host/],
    ['a variable in a redirect URL', 'return 301 https://$host/x;', 1, 'return', /\$host/],
    ['a bad header name', 'add_header "X A" b;', 1, 'add_header', /not a header name/],
    ['a framing header', 'proxy_set_header Content-Length 0;', 1, 'proxy_set_header', /cannot be set/],
    [
      'Transfer-Encoding',
      'more_set_input_headers "Transfer-Encoding: chunked";',
      1,
      'more_set_input_headers',
      /cannot be set/,
    ],
    ['a header wildcard', 'more_clear_headers X-Hidden-*;', 1, 'more_clear_headers', /wildcard/],
    ['headers-more options', 'more_set_headers -s 404 "X: y";', 1, 'more_set_headers', /option -s/],
    ['too few arguments', 'add_header X-A;', 1, 'add_header', /takes a name/],
    ['a wrong third argument', 'add_header X-A b never;', 1, 'add_header', /always/],
    ['return 444', 'return 444;', 1, 'return', /not supported/],
    ['a redirect without URL', 'return 301;', 1, 'return', /needs a URL/],
    ['a redirect URL with a query', 'return 302 https://a.example/?x=1;', 1, 'return', /not an http/],
    ['a redirect URL with credentials', 'return 302 https://user@a.example/;', 1, 'return', /not an http/],
    ['a non-http URL', 'return 302 javascript:alert(1);', 1, 'return', /not an http/],
    ['a backtracking regex', 'rewrite ^/(a)\\1$ /b break;', 1, 'rewrite', /back-references/],
    [
      'a non-ASCII redirect path (Node refuses it in Location)',
      'return 302 /caf\u00e9;',
      1,
      'return',
      /not a redirect path/,
    ],
    ['a non-ASCII rewrite', 'rewrite ^/a /\u2028 permanent;', 1, 'rewrite', /not a path/],
    // nginx separates words on space, tab, CR and LF only: a Unicode space is part of the word.
    ['a header name with U+2028', 'add_header X-A\u2028 v;', 1, 'add_header', /not a header name/],
    [
      'a directive name with NBSP',
      'add_header\u00a0X-A v;',
      1,
      'add_header\u00a0X-A',
      /not in the snippet grammar/,
    ],
    ['a bad rewrite flag', 'rewrite ^/a /b forever;', 1, 'rewrite', /flag/],
    ['two rewrites', 'rewrite ^/a /b break;\nrewrite ^/c /d break;', 2, 'rewrite', /only one/],
    ['a bad CIDR', 'allow 10.0.0.0/33;', 1, 'allow', /not an address/],
    ['a unix socket', 'deny unix:;', 1, 'deny', /not an address/],
    ['an IPv4 address with a leading zero', 'allow 010.0.0.1;', 1, 'allow', /not an address/],
    ['an IPv6 zone', 'allow fe80::1%eth0;', 1, 'allow', /not an address/],
    ['an IPv6 prefix over 128', 'deny 2001:db8::/129;', 1, 'deny', /not an address/],
    ['a host name', 'allow example.com;', 1, 'allow', /not an address/],
    ['an expires modifier', 'expires modified +24h;', 1, 'expires', /takes one/],
    ['an @time expires', 'expires @15h30m;', 1, 'expires', /not a time/],
    ['an empty directive', ';', 1, undefined, /empty directive/],
    ['a huge snippet', `add_header A "${'x'.repeat(20_000)}";`, 1, undefined, /longer than/],
    ['too many directives', 'add_header A b;\n'.repeat(65), 65, undefined, /more than 64 directives/],
  ];
  for (const [rule, text, line, directive, message] of refused) {
    it(`${rule} is refused`, () => {
      const parsed = parseSnippet(text);
      assert.equal(parsed.ok, false);
      if (parsed.ok) return;
      assert.equal(parsed.line, line);
      assert.equal(parsed.directive, directive);
      assert.match(parsed.message, message);
    });
  }
});

describe('restrictsAccess: whether a snippet names an access directive, read or not', () => {
  const cases: Array<[string, boolean]> = [
    ['deny all;', true],
    ['allow 10.0.0.0/8; deny all;', true],
    ['  auth_basic "x";', true],
    ['location /x { satisfy any; }', true],
    ['add_header X-Deny-Reason none;', false],
    ['more_set_headers "X-Allow: GET";', false],
    ['', false],
  ];
  for (const [text, expected] of cases) {
    it(`${JSON.stringify(text)} → ${expected}`, () => assert.equal(restrictsAccess(text), expected));
  }
});
