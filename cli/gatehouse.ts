#!/usr/bin/env node
import { type CommandIO, explainUsage, lintUsage, runExplain, runLint } from './commands.ts';
// The `gatehouse` command: `lint` and `explain` run here; anything else is the controller, whose
// flags stay as they are (controller/src/main.ts). This folder may import both the controller and
// the data plane's router, which the controller itself may not (test/architecture/imports.test.ts).
import { readStdin } from './manifests.ts';

const SUBCOMMANDS = `Usage: gatehouse [flags]              run the controller (gatehouse --help lists its flags)
       gatehouse lint PATH...         diagnostics for manifests, offline (gatehouse lint --help)
       gatehouse explain PATH... --host H --path P
                                      what one request would meet (gatehouse explain --help)
`;

const io: CommandIO = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  stdin: readStdin,
  env: process.env,
  cwd: process.cwd(),
  now: new Date(),
};

const [command, ...rest] = process.argv.slice(2);
if (command === 'lint' || command === 'explain') {
  const run = command === 'lint' ? runLint : runExplain;
  process.exitCode = await run(rest, io);
} else if (command === 'help') {
  process.stdout.write(`${SUBCOMMANDS}\n${lintUsage}\n${explainUsage}`);
} else {
  // The controller reads process.argv itself; importing it starts it.
  await import('../controller/src/main.ts');
}
