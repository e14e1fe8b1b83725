// lint and explain as functions of (argv, env, io) → exit code, so tests run them as users do.
import { translateOptionsOf } from '../controller/src/cli/translate-options.ts';
import { translate } from '../controller/src/translate/index.ts';
import { validateRouteTable } from '../dataplane/src/table/validate.ts';
import { FlagError, parseSubcommand, translationFlagsHelp } from './args.ts';
import { type ExplainRequest, explain, formatExplainText, formatTable } from './explain.ts';
import { formatLintJson, formatLintText, lintExitCode, lintManifests } from './lint.ts';
import { parseManifests, type ReadManifests, readManifestInputs } from './manifests.ts';

export interface CommandIO {
  stdout(text: string): void;
  stderr(text: string): void;
  /** stdin, read only when a PATH is `-`; `maxBytes` bounds what is kept. */
  stdin(maxBytes: number): Promise<string>;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** For certificate validity; tests pin it. */
  now: Date;
}

export const lintUsage = `Usage: gatehouse lint [flags] PATH...

Reads Kubernetes manifests (files, folders recursively, - for stdin) and prints every diagnostic
the controller would raise for them. Exit status: 1 if any error (or, with --strict, any warning),
2 on bad usage, else 0.

  --output text|json   text for people (default), json for CI
  --strict             warnings fail too
  -h, --help
${translationFlagsHelp}`;

export const explainUsage = `Usage: gatehouse explain [flags] PATH... --host H --path P

What the data plane would do with one request to these manifests: the route that matches and the
rule that decided, the routes it beat, the stages and filters in order, the backend groups with
their weights (canary split) and endpoints. Uses the data plane's own router.

  --host H             Host header (required unless --table)
  --path P             request target, e.g. /api/v1?x=1 (required unless --table)
  --method M           (default GET)
  --header K=V         a request header; repeatable
  --cookie K=V         a cookie; repeatable
  --client-ip A        the client address, for address rules
  --https              the request arrives over HTTPS (default: plain HTTP, which TLS hosts redirect)
  --output text|json   (default text)
  --table              print the compiled route table (keys and hashes redacted) and exit
  -h, --help
${translationFlagsHelp}`;

/** Reasons by which an Ingress loses a host or path to another: explain lists them beside the winner. */
const CONFLICTS = new Set(['RouteConflict', 'HostTaken', 'TLSConflict', 'ServerSnippetConflict']);

const common = {
  output: { type: 'string', default: 'text' },
  help: { type: 'boolean', short: 'h' },
} as const;

function outputOf(value: unknown): 'text' | 'json' {
  if (value !== 'text' && value !== 'json')
    throw new FlagError(`--output: "${String(value)}" is not text or json`);
  return value;
}

/** Flag errors → 2 with usage on stderr; anything else is a programmer error and throws. */
async function guarded(usage: string, io: CommandIO, run: () => Promise<number>): Promise<number> {
  try {
    return await run();
  } catch (error) {
    if (!(error instanceof FlagError)) throw error;
    io.stderr(`gatehouse: ${error.message}\n\n${usage}`);
    return 2;
  }
}

async function readAll(
  paths: string[],
  flags: { manifestLimits: import('../controller/src/sources/manifests/limits.ts').ManifestLimits },
  io: CommandIO,
): Promise<ReadManifests> {
  if (paths.length === 0) throw new FlagError('no PATH given (a file, a folder, or - for stdin)');
  const limits = flags.manifestLimits;
  const { inputs, diagnostics } = await readManifestInputs(paths, limits, io.cwd, () =>
    io.stdin(limits.maxFileBytes),
  );
  const read = parseManifests(inputs, limits);
  return { ...read, diagnostics: [...diagnostics, ...read.diagnostics] };
}

export function runLint(argv: readonly string[], io: CommandIO): Promise<number> {
  return guarded(lintUsage, io, async () => {
    const { values, paths, flags } = parseSubcommand(
      argv,
      { ...common, strict: { type: 'boolean' } },
      io.env,
    );
    if (values.help === true) {
      io.stdout(lintUsage);
      return 0;
    }
    const output = outputOf(values.output);
    const report = lintManifests(await readAll(paths, flags, io), translateOptionsOf(flags, io.now));
    io.stdout(output === 'json' ? formatLintJson(report) : formatLintText(report));
    return lintExitCode(report, values.strict === true);
  });
}

/** `K=V` pairs of a repeatable flag; the value may hold `=`. */
function pairs(flag: string, list: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of (list as string[] | undefined) ?? []) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new FlagError(`--${flag}: "${item}" is not NAME=VALUE`);
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

export function runExplain(argv: readonly string[], io: CommandIO): Promise<number> {
  return guarded(explainUsage, io, async () => {
    const { values, paths, flags } = parseSubcommand(
      argv,
      {
        ...common,
        host: { type: 'string' },
        path: { type: 'string' },
        method: { type: 'string', default: 'GET' },
        header: { type: 'string', multiple: true },
        cookie: { type: 'string', multiple: true },
        'client-ip': { type: 'string' },
        https: { type: 'boolean' },
        table: { type: 'boolean' },
      },
      io.env,
    );
    if (values.help === true) {
      io.stdout(explainUsage);
      return 0;
    }
    const output = outputOf(values.output);
    const wantsTable = values.table === true;
    if (!wantsTable && (typeof values.host !== 'string' || typeof values.path !== 'string'))
      throw new FlagError('--host and --path are required (or --table)');
    const read = await readAll(paths, flags, io);
    const result = translate(read.snapshot, translateOptionsOf(flags, io.now));
    const problems = read.diagnostics.length + result.diagnostics.length;
    if (problems > 0)
      io.stderr(
        `gatehouse: ${problems} diagnostic${problems === 1 ? '' : 's'}; \`gatehouse lint\` lists them\n`,
      );
    const checked = validateRouteTable({ version: 1, ...result.table });
    if (!checked.ok) {
      io.stderr(`gatehouse: a worker would refuse this table:\n  ${checked.errors.join('\n  ')}\n`);
      return 1;
    }
    if (wantsTable) {
      io.stdout(formatTable(checked.table));
      return 0;
    }
    const path = values.path as string;
    if (!path.startsWith('/')) throw new FlagError(`--path: "${path}" does not start with /`);
    const request: ExplainRequest = {
      host: values.host as string,
      path,
      method: (values.method as string).toUpperCase(),
      headers: pairs('header', values.header),
      cookies: pairs('cookie', values.cookie),
    };
    if (typeof values['client-ip'] === 'string') request.clientIp = values['client-ip'];
    if (values.https === true) request.https = true;
    const explanation = await explain(checked.table, request);
    const ingress = explanation.route?.ingress;
    // The route's own Ingress, and the Ingresses that lost this host's paths to a conflict.
    const host = explanation.host.entry;
    const claimsHost = new Set(
      read.snapshot.ingresses
        .filter((i) => host !== undefined && (i.spec?.rules ?? []).some((r) => (r.host ?? '*') === host))
        .map((i) => `${i.metadata.namespace}/${i.metadata.name}`),
    );
    const diagnostics = result.diagnostics.filter((d) => {
      if (d.object.kind !== 'Ingress') return false;
      const name = `${d.object.namespace}/${d.object.name}`;
      return name === ingress || (CONFLICTS.has(d.reason) && claimsHost.has(name));
    });
    io.stdout(
      output === 'json'
        ? `${JSON.stringify({ request, ...explanation, diagnostics }, null, 2)}\n`
        : formatExplainText(request, explanation, diagnostics),
    );
    return 0;
  });
}
