// The clock of the replica's rate-limit budgets (controller/src/limits/ledger.ts). Tests of a refill
// at one request per minute cannot wait a minute: with GATEHOUSE_TEST_LIMIT_CLOCK=1 in the
// environment, each SIGUSR2 moves this clock (and nothing else) one minute ahead.
export const TEST_CLOCK_ENV = 'GATEHOUSE_TEST_LIMIT_CLOCK';
const STEP_MS = 60_000;

export function limitClock(env: NodeJS.ProcessEnv): () => number {
  if (env[TEST_CLOCK_ENV] !== '1') return () => performance.now();
  let offset = 0;
  process.on('SIGUSR2', () => {
    offset += STEP_MS;
  });
  return () => performance.now() + offset;
}
