// A worker-shaped child for timing the IPC transfer alone: it receives a message on the same
// channel the supervisor uses (advanced serialization) and acknowledges it, doing nothing else.
process.on('message', (message: { type: string; table?: { version: number } }) => {
  if (message.type === 'table') process.send?.({ type: 'got', version: message.table?.version });
});
process.on('disconnect', () => process.exit(0));
process.send?.({ type: 'ready' });
