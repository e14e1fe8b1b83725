// A subcommand's argv → its own values, PATH... and the controller's translation flags, which are
// checked by the controller's own parser (controller/src/cli/flags.ts) so they mean the same.
import { type ParseArgsConfig, parseArgs } from 'node:util';
import {
  FlagError,
  type Flags,
  parseFlags,
  TRANSLATION_FLAGS,
  translationFlagOptions,
} from '../controller/src/cli/flags.ts';

export { FlagError };

type Options = NonNullable<ParseArgsConfig['options']>;

export interface SubcommandArgs {
  values: Record<string, string | boolean | string[] | undefined>;
  paths: string[];
  flags: Flags;
}

const TRANSLATION = new Set<string>(TRANSLATION_FLAGS);

export function parseSubcommand(
  argv: readonly string[],
  own: Options,
  env: NodeJS.ProcessEnv,
): SubcommandArgs {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: { ...translationFlagOptions, ...own },
      allowPositionals: true,
      strict: true,
      tokens: true,
    });
  } catch (error) {
    throw new FlagError((error as Error).message);
  }
  // Only the translation flags, as given, go to the controller's parser; `--name=value` keeps a
  // value that starts with a dash a value.
  const controllerArgv: string[] = [];
  for (const token of parsed.tokens ?? []) {
    if (token.kind !== 'option' || !TRANSLATION.has(token.name)) continue;
    controllerArgv.push(token.value === undefined ? `--${token.name}` : `--${token.name}=${token.value}`);
  }
  // GATEHOUSE_<FLAG> of the translation flags counts as for the controller; no other variable does.
  const translationEnv = Object.fromEntries(
    TRANSLATION_FLAGS.map((f) => `GATEHOUSE_${f.toUpperCase().replaceAll('-', '_')}`)
      .filter((name) => env[name] !== undefined)
      .map((name) => [name, env[name]]),
  );
  const flags = parseFlags(controllerArgv, translationEnv);
  const values = Object.fromEntries(
    Object.entries(parsed.values).filter(([name]) => !TRANSLATION.has(name)),
  ) as SubcommandArgs['values'];
  return { values, paths: parsed.positionals, flags };
}

/** The lines of `--help` that list the translation flags, shared by lint and explain. */
export const translationFlagsHelp = `Translation flags (as the controller's, also from GATEHOUSE_<FLAG>):
  --ingress-class NAME, --controller-name NAME, --annotations-prefix PREFIX,
  --global-allowed-response-headers NAME,..., --default-backend-service NS/NAME,
  --default-ssl-certificate NS/NAME, --enable-external-name-services, --enable-ssl-passthrough,
  --allow-snippet-annotations, --manifests-max-file-size SIZE, --manifests-max-total-size SIZE,
  --manifests-max-files N, --manifests-max-documents N
`;
