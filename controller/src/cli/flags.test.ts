import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_MANIFEST_LIMITS } from '../sources/manifests/limits.ts';
import { FlagError, parseFlags, usage } from './flags.ts';

describe('command line', () => {
  it('defaults are the ones README.md § Command line documents', () => {
    const f = parseFlags([], {});
    assert.equal(f.ingressClass, 'gatehouse');
    assert.equal(f.controllerName, 'gatehouse.dev/ingress-controller');
    assert.equal(f.httpPort, 8080);
    assert.equal(f.httpsPort, 8443);
    assert.equal(f.adminPort, 10254);
    assert.equal(f.bindAddress, '0.0.0.0');
    assert.equal(f.logLevel, 'info');
    assert.equal(f.logFormat, 'json');
    assert.deepEqual(f.trustedProxies, []);
    assert.ok(f.workers >= 1);
  });

  it("--annotations-prefix defaults to ingress-nginx's, comes from GATEHOUSE_ANNOTATIONS_PREFIX, and must be a DNS subdomain", () => {
    assert.equal(parseFlags([], {}).annotationsPrefix, 'nginx.ingress.kubernetes.io');
    assert.equal(
      parseFlags([], { GATEHOUSE_ANNOTATIONS_PREFIX: 'corp.example' }).annotationsPrefix,
      'corp.example',
    );
    assert.equal(parseFlags(['--annotations-prefix', 'a-b.c'], {}).annotationsPrefix, 'a-b.c');
    for (const bad of [
      '',
      'Upper.case',
      'with/slash',
      '-lead.example',
      'trail.',
      'a..b',
      `${'a'.repeat(254)}`,
    ]) {
      assert.throws(() => parseFlags(['--annotations-prefix', bad], {}), FlagError, `"${bad}" is refused`);
    }
  });

  it('every flag can come from GATEHOUSE_<FLAG>, and the command line wins over it', () => {
    const env = {
      GATEHOUSE_HTTP_PORT: '81',
      GATEHOUSE_INGRESS_CLASS: 'from-env',
      GATEHOUSE_TRUSTED_PROXIES: '10.0.0.0/8',
    };
    const f = parseFlags(['--ingress-class', 'from-flag'], env);
    assert.equal(f.httpPort, 81);
    assert.equal(f.ingressClass, 'from-flag');
    assert.deepEqual(f.trustedProxies, ['10.0.0.0/8']);
  });

  it('the manifest limits default to the source’s own and read sizes with binary suffixes', () => {
    assert.deepEqual(parseFlags([], {}).manifestLimits, DEFAULT_MANIFEST_LIMITS);
    const f = parseFlags(
      [
        '--manifests-max-file-size=512Ki',
        '--manifests-max-total-size=1Gi',
        '--manifests-max-files=20',
        '--manifests-max-documents=300',
      ],
      { GATEHOUSE_MANIFESTS_MAX_FILE_SIZE: '1Mi' },
    );
    assert.deepEqual(f.manifestLimits, {
      maxFileBytes: 512 * 1024,
      maxTotalBytes: 1024 ** 3,
      maxFiles: 20,
      maxDocuments: 300,
    });
    assert.equal(
      parseFlags([], { GATEHOUSE_MANIFESTS_MAX_FILE_SIZE: '4096' }).manifestLimits.maxFileBytes,
      4096,
    );
    for (const bad of ['16MB', '0', '2Gi', '-1', '']) {
      assert.throws(() => parseFlags([`--manifests-max-file-size=${bad}`], {}), FlagError, bad);
    }
    assert.throws(() => parseFlags(['--manifests-max-documents=0'], {}), FlagError);
  });

  it('reads every documented flag', () => {
    const f = parseFlags(
      [
        '--manifests=./m',
        '--watch-namespace=team',
        '--https-port=443',
        '--admin-port=9000',
        '--bind-address=127.0.0.1',
        '--workers=3',
        '--publish-service=ingress/gatehouse',
        '--default-ssl-certificate=ingress/tls',
        '--default-backend-service=ingress/fallback',
        '--trusted-proxies=10.0.0.0/8, 2001:db8::/32,192.0.2.1',
        '--log-level=debug',
        '--log-format=text',
      ],
      {},
    );
    assert.equal(f.manifests, './m');
    assert.equal(f.watchNamespace, 'team');
    assert.equal(f.httpsPort, 443);
    assert.equal(f.workers, 3);
    assert.equal(f.publishService, 'ingress/gatehouse');
    assert.deepEqual(f.trustedProxies, ['10.0.0.0/8', '2001:db8::/32', '192.0.2.1']);
    assert.equal(f.logFormat, 'text');
  });

  it('the access log is off by default and samples every request once on', () => {
    const off = parseFlags([], {});
    assert.equal(off.accessLog, false);
    const on = parseFlags(['--access-log'], {});
    assert.equal(on.accessLog, true);
    assert.equal(on.accessLogSample, 1);
    assert.equal(parseFlags(['--access-log', '--access-log-sample', '0.25'], {}).accessLogSample, 0.25);
  });

  it('GATEHOUSE_ACCESS_LOG and GATEHOUSE_ACCESS_LOG_SAMPLE turn it on from the environment', () => {
    const f = parseFlags([], { GATEHOUSE_ACCESS_LOG: 'true', GATEHOUSE_ACCESS_LOG_SAMPLE: '0.1' });
    assert.equal(f.accessLog, true);
    assert.equal(f.accessLogSample, 0.1);
    assert.equal(parseFlags([], { GATEHOUSE_ACCESS_LOG: 'false' }).accessLog, false);
    assert.throws(() => parseFlags([], { GATEHOUSE_ACCESS_LOG: 'maybe' }), FlagError);
  });

  it('request bodies: 60 s between reads (nginx), then at least 1 KiB/s after a 20 s grace', () => {
    const f = parseFlags([], {});
    assert.equal(f.clientBodyTimeoutMs, 60_000);
    assert.equal(f.clientBodyMinRate, 1024);
    assert.equal(f.clientBodyMinRateGraceMs, 20_000);
    const set = parseFlags(
      ['--client-body-timeout', '5s', '--client-body-min-rate', '500', '--client-body-min-rate-grace', '1m'],
      {},
    );
    assert.equal(set.clientBodyTimeoutMs, 5_000);
    assert.equal(set.clientBodyMinRate, 500);
    assert.equal(set.clientBodyMinRateGraceMs, 60_000);
    assert.equal(
      parseFlags(['--client-body-min-rate', '0'], {}).clientBodyMinRate,
      0,
      '0 turns the rate off',
    );
    assert.equal(parseFlags([], { GATEHOUSE_CLIENT_BODY_TIMEOUT: '90' }).clientBodyTimeoutMs, 90_000);
  });

  it('--https-redirect-port defaults to --https-port and names the port clients reach HTTPS on', () => {
    assert.equal(parseFlags([], {}).httpsRedirectPort, 8443);
    assert.equal(parseFlags(['--https-port', '9443'], {}).httpsRedirectPort, 9443);
    assert.equal(parseFlags(['--https-redirect-port', '443'], {}).httpsRedirectPort, 443);
    assert.equal(parseFlags([], { GATEHOUSE_HTTPS_REDIRECT_PORT: '443' }).httpsRedirectPort, 443);
    assert.throws(() => parseFlags(['--https-redirect-port', 'https'], {}), /--https-redirect-port/);
  });

  it('--proxy-protocol is off by default and turns on from the flag or GATEHOUSE_PROXY_PROTOCOL', () => {
    const trusted = ['--trusted-proxies', '10.0.0.0/8'];
    assert.equal(parseFlags([], {}).proxyProtocol, false);
    assert.equal(parseFlags([...trusted, '--proxy-protocol'], {}).proxyProtocol, true);
    assert.equal(parseFlags(trusted, { GATEHOUSE_PROXY_PROTOCOL: 'true' }).proxyProtocol, true);
    assert.equal(parseFlags(trusted, { GATEHOUSE_PROXY_PROTOCOL: '0' }).proxyProtocol, false);
    assert.throws(() => parseFlags(trusted, { GATEHOUSE_PROXY_PROTOCOL: 'on?' }), /GATEHOUSE_PROXY_PROTOCOL/);
  });

  it('ExternalName Services are off unless --enable-external-name-services (Contour: enableExternalNameService)', () => {
    assert.equal(parseFlags([], {}).enableExternalNameServices, false);
    assert.equal(parseFlags(['--enable-external-name-services'], {}).enableExternalNameServices, true);
    const fromEnv = (value: string) =>
      parseFlags([], { GATEHOUSE_ENABLE_EXTERNAL_NAME_SERVICES: value }).enableExternalNameServices;
    assert.equal(fromEnv('true'), true);
    assert.equal(fromEnv('1'), true);
    assert.equal(fromEnv('false'), false);
    assert.equal(fromEnv('0'), false);
    assert.throws(() => fromEnv('yes please'), /GATEHOUSE_ENABLE_EXTERNAL_NAME_SERVICES/);
    assert.throws(() => parseFlags(['--enable-external-name-services=yes'], {}), FlagError);
  });

  it('SSL passthrough is off unless --enable-ssl-passthrough (ingress-nginx: the same flag, off by default)', () => {
    assert.equal(parseFlags([], {}).enableSslPassthrough, false);
    assert.equal(parseFlags(['--enable-ssl-passthrough'], {}).enableSslPassthrough, true);
    assert.equal(parseFlags([], { GATEHOUSE_ENABLE_SSL_PASSTHROUGH: 'true' }).enableSslPassthrough, true);
    assert.throws(
      () => parseFlags([], { GATEHOUSE_ENABLE_SSL_PASSTHROUGH: 'maybe' }),
      /GATEHOUSE_ENABLE_SSL_PASSTHROUGH/,
    );
    assert.match(usage, /--enable-ssl-passthrough +honour ssl-passthrough annotations/);
  });

  it('snippets are translated only with --allow-snippet-annotations (ingress-nginx: allow-snippet-annotations, default false)', () => {
    assert.equal(parseFlags([], {}).allowSnippetAnnotations, false);
    assert.equal(parseFlags(['--allow-snippet-annotations'], {}).allowSnippetAnnotations, true);
    assert.equal(
      parseFlags([], { GATEHOUSE_ALLOW_SNIPPET_ANNOTATIONS: 'true' }).allowSnippetAnnotations,
      true,
    );
    assert.throws(
      () => parseFlags([], { GATEHOUSE_ALLOW_SNIPPET_ANNOTATIONS: 'maybe' }),
      /GATEHOUSE_ALLOW_SNIPPET_ANNOTATIONS/,
    );
    assert.match(usage, /--allow-snippet-annotations +translate configuration-snippet/);
  });

  it('--help documents --enable-external-name-services and what it never allows', () => {
    assert.match(usage, /--enable-external-name-services +allow ExternalName Service backends/);
    assert.match(usage, /never loopback,\s+link-local/);
  });

  it('--global-allowed-response-headers: none by default (ingress-nginx), a comma list, header names only', () => {
    assert.deepEqual(parseFlags([], {}).globalAllowedResponseHeaders, []);
    assert.deepEqual(
      parseFlags(['--global-allowed-response-headers', 'X-Frame-Options, My_Header,'], {})
        .globalAllowedResponseHeaders,
      ['X-Frame-Options', 'My_Header'],
    );
    assert.throws(() => parseFlags(['--global-allowed-response-headers', 'X Frame'], {}), FlagError);
    assert.match(usage, /--global-allowed-response-headers NAME,\.\.\./);
  });

  it('the admin port binds --bind-address unless --admin-bind-address (or its env) says otherwise', () => {
    assert.equal(parseFlags([], {}).adminBindAddress, '0.0.0.0');
    assert.equal(parseFlags(['--bind-address', '::'], {}).adminBindAddress, '::');
    const apart = parseFlags(['--bind-address', '0.0.0.0', '--admin-bind-address', '127.0.0.1'], {});
    assert.deepEqual([apart.bindAddress, apart.adminBindAddress], ['0.0.0.0', '127.0.0.1']);
    assert.equal(parseFlags([], { GATEHOUSE_ADMIN_BIND_ADDRESS: 'fd00::1' }).adminBindAddress, 'fd00::1');
    assert.equal(
      parseFlags(['--admin-bind-address=10.0.0.1'], { GATEHOUSE_ADMIN_BIND_ADDRESS: 'fd00::1' })
        .adminBindAddress,
      '10.0.0.1',
    );
  });

  const bad: Array<[string, string[], RegExp]> = [
    ['an admin address that is no IP', ['--admin-bind-address', 'localhost'], /--admin-bind-address/],
    ['an unknown flag', ['--nope'], /nope/],
    ['a port out of range', ['--http-port', '70000'], /--http-port/],
    ['a non-numeric worker count', ['--workers', 'many'], /--workers/],
    ['a Service reference without namespace', ['--default-backend-service', 'fallback'], /NAMESPACE\/NAME/],
    ['a malformed CIDR', ['--trusted-proxies', '10.0.0.0/33'], /--trusted-proxies/],
    ['an unknown log format', ['--log-format', 'xml'], /--log-format/],
    ['an access-log sample above 1', ['--access-log-sample', '1.5'], /--access-log-sample/],
    ['a negative access-log sample', ['--access-log-sample', '-0.1'], /--access-log-sample/],
    ['a non-numeric access-log sample', ['--access-log-sample', 'half'], /--access-log-sample/],
    ['a value given to the boolean --access-log', ['--access-log=yes'], /access-log/],
    [
      'a client body timeout that is not a duration',
      ['--client-body-timeout', 'soon'],
      /--client-body-timeout/,
    ],
    ['a fractional minimum body rate', ['--client-body-min-rate', '1.5'], /--client-body-min-rate/],
    ['a negative minimum body rate', ['--client-body-min-rate', '-1'], /--client-body-min-rate/],
    ['a minimum body rate with a unit', ['--client-body-min-rate', '1k'], /--client-body-min-rate/],
    ['a grace that is not a duration', ['--client-body-min-rate-grace', 'x'], /--client-body-min-rate-grace/],
    ['both sources at once', ['--manifests', 'x', '--kubeconfig', 'y'], /exclude each other/],
    // Only a trusted peer may send a PROXY header: with none, every connection would be refused.
    [
      '--proxy-protocol without --trusted-proxies',
      ['--proxy-protocol'],
      /--proxy-protocol.*--trusted-proxies/,
    ],
    ['a value given to the boolean --proxy-protocol', ['--proxy-protocol=yes'], /proxy-protocol/],
  ];
  for (const [what, argv, message] of bad) {
    it(`refuses ${what} with a clear error`, () => {
      assert.throws(
        () => parseFlags(argv, {}),
        (e: unknown) => e instanceof FlagError && message.test(e.message),
      );
    });
  }
});
