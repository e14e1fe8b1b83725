import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { isRunning, parsePids, startTimeOf } from './procs.ts';
import { waitFor } from './wait.ts';

test('parsePids reads "PID STARTTIME NAME" lines and skips blank ones', () => {
  assert.deepEqual(parsePids('12 3456 etcd\n\n78 9012 backend:/usr/bin/node\n'), [
    { pid: 12, startTime: '3456', name: 'etcd' },
    { pid: 78, startTime: '9012', name: 'backend:/usr/bin/node' },
  ]);
});

test('a recorded process counts as running only while its PID has the recorded start time', () => {
  const startTime = startTimeOf(process.pid);
  assert.match(startTime ?? '', /^\d+$/);
  assert.equal(isRunning({ pid: process.pid, startTime: startTime!, name: 'self' }), true);
  // Same PID, other start time: a recycled PID must never be mistaken for our process.
  assert.equal(isRunning({ pid: process.pid, startTime: `${startTime}0`, name: 'self' }), false);
});

test('an exited child is not running, even before its parent reaps it', async () => {
  const child = spawn(process.execPath, ['-e', '']);
  const recorded = { pid: child.pid!, startTime: startTimeOf(child.pid!) ?? '', name: 'child' };
  await once(child, 'exit');
  assert.equal(isRunning(recorded), false);
});

test('waitFor returns the first truthy value and names what it waited for on timeout', async () => {
  let calls = 0;
  assert.equal(await waitFor(() => (++calls >= 3 ? 'ok' : false), { what: 'x', intervalMs: 1 }), 'ok');
  await assert.rejects(
    waitFor(() => false, { what: 'the moon', timeoutMs: 20, intervalMs: 5 }),
    /the moon/,
  );
});
