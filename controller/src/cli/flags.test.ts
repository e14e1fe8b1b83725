import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_MANIFEST_LIMITS } from '../sources/manifests/limits.ts';
import { FlagError, parseFlags } from './flags.ts';

describe('command line', () => {
  it('defaults are the ones DESIGN.md documents', () => {
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

  const bad: Array<[string, string[], RegExp]> = [
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
    ['both sources at once', ['--manifests', 'x', '--kubeconfig', 'y'], /exclude each other/],
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
