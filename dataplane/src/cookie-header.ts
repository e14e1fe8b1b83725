// One cookie out of a request's Cookie header, for the router's cookie matches and the balancer's
// affinity cookie alike. RFC 6265 §5.4 syntax (`a=1; b=2`); Node joins repeated Cookie headers with
// "; " (RFC 9113 §8.2.3), so one string holds them all. No allocation but the value returned.

/**
 * The value of the first cookie named `name`, spaces around name and value dropped; undefined when
 * there is none. With `ignoreCase` names are compared case-insensitively (`name` given in lower
 * case), as nginx's `$cookie_NAME` does.
 */
export function findCookie(
  header: string | undefined,
  name: string,
  ignoreCase: boolean,
): string | undefined {
  if (header === undefined) return undefined;
  let start = 0;
  while (start < header.length) {
    let end = header.indexOf(';', start);
    if (end === -1) end = header.length;
    const eq = header.indexOf('=', start);
    if (eq !== -1 && eq < end) {
      const found = header.slice(start, eq).trim();
      if ((ignoreCase ? found.toLowerCase() : found) === name) return header.slice(eq + 1, end).trim();
    }
    start = end + 1;
  }
  return undefined;
}
