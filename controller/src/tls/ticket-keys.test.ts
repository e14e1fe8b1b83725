import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TICKET_KEYS_BYTES, TicketKeys } from './ticket-keys.ts';

test('ticket keys are 48 random bytes, replaced on every rotation and handed to the listener', async () => {
  const keys = new TicketKeys(20);
  const first = keys.current;
  assert.equal(first.length, TICKET_KEYS_BYTES);
  const rotated: Buffer[] = [];
  keys.start((k) => rotated.push(k));
  const deadline = Date.now() + 5_000;
  while (rotated.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  keys.stop();
  assert.ok(rotated.length >= 2, 'rotated at least twice');
  assert.notDeepEqual(rotated[0], first);
  assert.notDeepEqual(rotated[1], rotated[0]);
  assert.equal(keys.current, rotated.at(-1));
  assert.notDeepEqual(new TicketKeys().current, first, 'each primary makes its own');
});
