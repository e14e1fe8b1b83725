// Whether an upstream's 101 switches to a protocol the client asked for. RFC 9110 §7.8: a server
// MUST NOT switch to a protocol the request's Upgrade field did not name, and its 101 MUST name
// the protocol(s) it switches to; names compare case-insensitively. A 101 that breaks this would
// hand the client a byte stream in a protocol it never offered to speak.

/** `requested`: the client's Upgrade field; `answered`: the Upgrade field of the upstream's 101. */
export function switchesToOffered(
  requested: string | undefined,
  answered: string | string[] | undefined,
): boolean {
  if (requested === undefined || answered === undefined) return false;
  const offered = protocols(requested);
  const chosen = protocols(Array.isArray(answered) ? answered.join(',') : answered);
  if (chosen.length === 0) return false;
  for (const protocol of chosen) if (!offered.includes(protocol)) return false;
  return true;
}

/** The protocols of an Upgrade field value (`name[/version]`, lower-cased), empty members left out. */
function protocols(value: string): string[] {
  const out: string[] = [];
  for (const member of value.split(',')) {
    const protocol = member.trim().toLowerCase();
    if (protocol !== '') out.push(protocol);
  }
  return out;
}
