import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { summarise } from './cpuprofile.ts';

// root → handleRequest (gatehouse) → writev (node); plus (idle) and undici's parser.
const nodes = [
  { id: 1, callFrame: { functionName: '(root)', url: '', lineNumber: -1 }, children: [2, 4, 5] },
  {
    id: 2,
    callFrame: {
      functionName: 'handleRequest',
      url: 'file:///x/dataplane/src/proxy/handler.ts',
      lineNumber: 9,
    },
    children: [3],
  },
  { id: 3, callFrame: { functionName: 'writev', url: '', lineNumber: -1 } },
  { id: 4, callFrame: { functionName: '(idle)', url: '', lineNumber: -1 } },
  {
    id: 5,
    callFrame: { functionName: 'execute', url: 'file:///x/node_modules/undici/lib/a.js', lineNumber: 0 },
  },
];

function profileFile(samples: number[], startTime = 1_000_000): string {
  const dir = mkdtempSync(join(tmpdir(), 'cpuprofile-test-'));
  const file = join(dir, 'p.cpuprofile');
  writeFileSync(file, JSON.stringify({ nodes, startTime, samples, timeDeltas: samples.map(() => 1000) }));
  return file;
}

test('self time leaves idle out and counts each function where it ran; inclusive time counts callers', () => {
  // 6 busy samples: writev ×3 (under handleRequest), handleRequest ×1, undici ×2; 4 idle.
  const file = profileFile([3, 3, 3, 2, 5, 5, 4, 4, 4, 4]);
  try {
    const s = summarise([file], { fromUs: 0, toUs: Number.MAX_SAFE_INTEGER });
    assert.equal(s.busyMs, 6);
    const share = (name: string) => s.top.find((e) => e.name === name)?.share;
    assert.equal(share('writev'), 3 / 6);
    assert.equal(share('execute'), 2 / 6);
    assert.equal(s.groups.gatehouse, 1 / 6);
    assert.equal(s.inclusive[0].name, 'handleRequest');
    assert.equal(s.inclusive[0].share, 4 / 6);
  } finally {
    rmSync(join(file, '..'), { recursive: true, force: true });
  }
});

test('a time window keeps only the samples stamped inside it', () => {
  // Samples at 1.001 s … 1.010 s; the window holds the 5th to 7th (undici, undici, idle).
  const file = profileFile([3, 3, 3, 2, 5, 5, 4, 4, 4, 4]);
  try {
    const s = summarise([file], { fromUs: 1_005_000, toUs: 1_007_000 });
    assert.equal(s.windowMs, 3);
    assert.equal(s.busyMs, 2);
    assert.deepEqual(
      s.top.map((e) => e.name),
      ['execute'],
    );
  } finally {
    rmSync(join(file, '..'), { recursive: true, force: true });
  }
});
