// HTTP/1.1 fuzz inputs (issue 28, item 6): fixed adversarial requests — malformed request lines,
// CR/LF injection, smuggling variants (RFC 9112 §6.1, §6.3, §7.1), header floods — and random
// mutations of a valid request from a seeded PRNG. Each names the route host it aims at; a
// smuggled second request always asks for SMUGGLED, which the backend must never see.
import type { Rng } from './prng.ts';

export const HOST = 'fuzz.test';
export const SMUGGLED = '/smuggled';

/** `reject`: must get a 4xx or a closed connection (never a 2xx); `any`: any answer, no crash. */
export interface FuzzCase {
  name: string;
  bytes: Buffer;
  expect: 'reject' | 'any';
  /** A pipelined request this case carries: the backend may see it only if the client got its answer. */
  tail?: string;
}

/** Appended to every case: the server closes after answering it, or times out the half-read request. */
export const CLOSING = Buffer.from(`GET /closing HTTP/1.1\r\nHost: ${HOST}\r\nConnection: close\r\n\r\n`);

const smuggled = `GET ${SMUGGLED} HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`;
const chunkOf = (s: string): string => `${s.length.toString(16)}\r\n${s}\r\n`;

function post(headers: string, body: string): string {
  return `POST /upload HTTP/1.1\r\nHost: ${HOST}\r\n${headers}\r\n${body}`;
}

const reject = (name: string, text: string | Buffer): FuzzCase => ({
  name,
  bytes: typeof text === 'string' ? Buffer.from(text, 'latin1') : text,
  expect: 'reject',
});
const any = (name: string, text: string): FuzzCase => ({
  name,
  bytes: Buffer.from(text, 'latin1'),
  expect: 'any',
});

/** Requests a conforming server must refuse (RFC 9112 / RFC 9110), or whose framing is ambiguous. */
export function adversarialCases(): FuzzCase[] {
  const h = `Host: ${HOST}\r\n`;
  const cases: FuzzCase[] = [
    // Request lines (RFC 9112 §3).
    reject('space in method', `G ET / HTTP/1.1\r\n${h}\r\n`),
    reject('extra token after version', `GET / HTTP/1.1 x\r\n${h}\r\n`),
    reject('version HTTP/2.0 on an HTTP/1 connection', `GET / HTTP/2.0\r\n${h}\r\n`),
    reject('version HTTP/1.10', `GET / HTTP/1.10\r\n${h}\r\n`),
    reject('version lowercase', `GET / http/1.1\r\n${h}\r\n`),
    reject('version missing', `GET /\r\n${h}\r\n`),
    reject('NUL in method', `G\0ET / HTTP/1.1\r\n${h}\r\n`),
    reject('NUL in target', `GET /a\0b HTTP/1.1\r\n${h}\r\n`),
    reject('space in target', `GET /a b HTTP/1.1\r\n${h}\r\n`),
    reject('CR in target', `GET /a\rb HTTP/1.1\r\n${h}\r\n`),
    reject('LF in target', `GET /a\nX-Injected: 1 HTTP/1.1\r\n${h}\r\n`),
    reject('DEL in target', `GET /a\x7fb HTTP/1.1\r\n${h}\r\n`),
    reject('high byte in target', `GET /a\xffb HTTP/1.1\r\n${h}\r\n`),
    reject('only a method', `GET\r\n\r\n`),
    reject('no Host (RFC 9112 §3.2)', `GET / HTTP/1.1\r\n\r\n`),
    reject('two Hosts', `GET / HTTP/1.1\r\n${h}${h}\r\n`),
    // CR/LF injection in header fields (RFC 9110 §5.5: CR, LF, NUL are invalid in a field value).
    reject('bare CR in a header value', `GET / HTTP/1.1\r\n${h}X-A: a\rX-Injected: 1\r\n\r\n`),
    reject('NUL in a header value', `GET / HTTP/1.1\r\n${h}X-A: a\0b\r\n\r\n`),
    reject('space in a header name', `GET / HTTP/1.1\r\n${h}X A: b\r\n\r\n`),
    reject('space before the colon (RFC 9112 §5.1)', `GET / HTTP/1.1\r\n${h}X-A : b\r\n\r\n`),
    reject('header line without a colon', `GET / HTTP/1.1\r\n${h}X-A b\r\n\r\n`),
    reject('obs-fold continuation (RFC 9112 §5.2)', `GET / HTTP/1.1\r\n${h}X-A: a\r\n b\r\n\r\n`),
    // Smuggling: conflicting or ambiguous framing (RFC 9112 §6.1, §6.3).
    reject('CL and TE', post(`Content-Length: 4\r\nTransfer-Encoding: chunked\r\n`, `0\r\n\r\n${smuggled}`)),
    reject('TE and CL', post(`Transfer-Encoding: chunked\r\nContent-Length: 4\r\n`, `0\r\n\r\n${smuggled}`)),
    reject(
      'CL and TE, CL 0',
      post(`Content-Length: 0\r\nTransfer-Encoding: chunked\r\n`, `0\r\n\r\n${smuggled}`),
    ),
    reject('two different CLs', post(`Content-Length: 0\r\nContent-Length: 44\r\n`, smuggled)),
    reject('CL list with different values', post(`Content-Length: 0, 44\r\n`, smuggled)),
    reject('CL with a sign', post(`Content-Length: +44\r\n`, smuggled)),
    reject('CL in hex', post(`Content-Length: 0x2c\r\n`, smuggled)),
    reject('CL with a space inside', post(`Content-Length: 4 4\r\n`, smuggled)),
    reject('CL overflowing 64 bits', post(`Content-Length: 99999999999999999999999\r\n`, smuggled)),
    reject('TE space before colon', post(`Transfer-Encoding : chunked\r\nContent-Length: 44\r\n`, smuggled)),
    reject('TE obs-fold', post(`Transfer-Encoding:\r\n chunked\r\nContent-Length: 44\r\n`, smuggled)),
    reject('TE obs-fold alone', post(`Transfer-Encoding: x\r\n chunked\r\n`, `0\r\n\r\n${smuggled}`)),
    reject('TE xchunked', post(`Transfer-Encoding: xchunked\r\n`, `0\r\n\r\n${smuggled}`)),
    reject('TE chunked not last', post(`Transfer-Encoding: chunked, identity\r\n`, `0\r\n\r\n${smuggled}`)),
    reject('TE identity with CL', post(`Transfer-Encoding: identity\r\nContent-Length: 44\r\n`, smuggled)),
    reject('TE vertical tab', post(`Transfer-Encoding:\x0bchunked\r\n`, `0\r\n\r\n${smuggled}`)),
    reject('TE with CL, uppercase', post(`TRANSFER-ENCODING: CHUNKED\r\nContent-Length: 44\r\n`, smuggled)),
    reject(
      'two TE headers with CL',
      post(`Transfer-Encoding: chunked\r\nTransfer-Encoding: x\r\nContent-Length: 4\r\n`, smuggled),
    ),
    reject(
      'TE on HTTP/1.0 with CL',
      `POST / HTTP/1.0\r\n${h}Transfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n${smuggled}`,
    ),
    // Chunked framing (RFC 9112 §7.1).
    reject(
      'chunk size overflow',
      post(`Transfer-Encoding: chunked\r\n`, `ffffffffffffffff1\r\nx\r\n0\r\n\r\n${smuggled}`),
    ),
    reject(
      'chunk size 2^64',
      post(`Transfer-Encoding: chunked\r\n`, `10000000000000000\r\nx\r\n0\r\n\r\n${smuggled}`),
    ),
    reject('chunk size with 0x', post(`Transfer-Encoding: chunked\r\n`, `0x5\r\nhello\r\n0\r\n\r\n`)),
    reject('chunk size with sign', post(`Transfer-Encoding: chunked\r\n`, `+5\r\nhello\r\n0\r\n\r\n`)),
    reject('chunk size negative', post(`Transfer-Encoding: chunked\r\n`, `-1\r\nhello\r\n0\r\n\r\n`)),
    reject('chunk size not hex', post(`Transfer-Encoding: chunked\r\n`, `g\r\nhello\r\n0\r\n\r\n`)),
    reject(
      'chunk data longer than its size',
      post(`Transfer-Encoding: chunked\r\n`, `2\r\nhello\r\n0\r\n\r\n${smuggled}`),
    ),
    reject(
      'chunk without CRLF after data',
      post(`Transfer-Encoding: chunked\r\n`, `5\r\nhelloXX0\r\n\r\n${smuggled}`),
    ),
    reject(
      'bare LF after chunk size',
      post(`Transfer-Encoding: chunked\r\n`, `5\nhello\r\n0\r\n\r\n${smuggled}`),
    ),
    reject(
      'bare LF after chunk data',
      post(`Transfer-Encoding: chunked\r\n`, `5\r\nhello\n0\r\n\r\n${smuggled}`),
    ),
    reject(
      'bare CR in chunk extension',
      post(`Transfer-Encoding: chunked\r\n`, `5;a\rb\r\nhello\r\n0\r\n\r\n`),
    ),
    reject('NUL in chunk extension', post(`Transfer-Encoding: chunked\r\n`, `5;a=\0\r\nhello\r\n0\r\n\r\n`)),
    reject(
      'LF in chunk extension',
      post(`Transfer-Encoding: chunked\r\n`, `5;a\n${smuggled}\r\nhello\r\n0\r\n\r\n`),
    ),
    // Header floods (the workers allow 100 fields and 32 KiB of head).
    reject(
      '101 headers',
      `GET / HTTP/1.1\r\n${h}${Array.from({ length: 101 }, (_, i) => `X-${i}: v\r\n`).join('')}\r\n`,
    ),
    reject(
      '10 000 headers',
      `GET / HTTP/1.1\r\n${h}${Array.from({ length: 10_000 }, (_, i) => `X-${i}: v\r\n`).join('')}\r\n`,
    ),
    reject('a 40 KiB header', `GET / HTTP/1.1\r\n${h}X-Big: ${'a'.repeat(40 * 1024)}\r\n\r\n`),
    reject('a 1 MiB header', `GET / HTTP/1.1\r\n${h}X-Big: ${'a'.repeat(1024 * 1024)}\r\n\r\n`),
    reject('a 64 KiB target', `GET /${'a'.repeat(64 * 1024)} HTTP/1.1\r\n${h}\r\n`),
    reject('a 1 MiB header name', `GET / HTTP/1.1\r\n${h}${'a'.repeat(1024 * 1024)}: v\r\n\r\n`),
  ];
  // Valid framings the same parser must read as one request: never two at the backend.
  cases.push(
    any(
      'TE chunked, uppercase, alone',
      post(`Transfer-Encoding: CHUNKED\r\n`, `${chunkOf('hello')}0\r\n\r\n`),
    ),
    any('TE with tab OWS', post(`Transfer-Encoding:\tchunked\r\n`, `${chunkOf('hello')}0\r\n\r\n`)),
    any('chunk extension', post(`Transfer-Encoding: chunked\r\n`, `5;name="v"\r\nhello\r\n0\r\n\r\n`)),
    any(
      'trailer after last chunk',
      post(`Transfer-Encoding: chunked\r\n`, `${chunkOf('hello')}0\r\nX-T: 1\r\n\r\n`),
    ),
    any('same CL twice', post(`Content-Length: 5\r\nContent-Length: 5\r\n`, 'hello')),
    any('encoded CRLF in target', `GET /%0d%0aX-Injected:%201 HTTP/1.1\r\n${h}\r\n`),
    any('bare LF line endings', `GET / HTTP/1.1\n${h.replace('\r\n', '\n')}\n`),
    any('absolute-form target', `GET http://${HOST}/abs HTTP/1.1\r\n${h}\r\n`),
    any('asterisk-form target on GET', `GET * HTTP/1.1\r\n${h}\r\n`),
    // RFC 9112 §3: a recipient MAY split the request line on whitespace runs (nginx does).
    any('two spaces before target', `GET  / HTTP/1.1\r\n${h}\r\n`),
    // RFC 9112 §2.2: empty lines before a request line SHOULD be ignored.
    any('empty lines before the request line', `\r\n\r\n${`GET / HTTP/1.1\r\n${h}\r\n`}`),
    any('unknown method', `FOO / HTTP/1.1\r\n${h}\r\n`),
    any('lowercase method', `get / HTTP/1.1\r\n${h}\r\n`),
    any('HTTP/1.0 without Host', `GET / HTTP/1.0\r\n\r\n`),
    any(
      '100 headers',
      `GET / HTTP/1.1\r\n${h}${Array.from({ length: 98 }, (_, i) => `X-${i}: v\r\n`).join('')}\r\n`,
    ),
  );
  return cases;
}

const BASE = [
  `POST /p?q=1 HTTP/1.1\r\nHost: ${HOST}\r\nTransfer-Encoding: chunked\r\nX-A: b\r\n\r\n${chunkOf('hello')}0\r\n\r\n`,
  `POST /p HTTP/1.1\r\nHost: ${HOST}\r\nContent-Length: 5\r\n\r\nhello`,
  `GET /a/b HTTP/1.1\r\nHost: ${HOST}\r\nAccept: */*\r\nConnection: keep-alive\r\n\r\n`,
];
const INSERTS = ['\r', '\n', '\r\n', '\0', ' ', '\t', ':', ';', ',', '0', 'f', '\x7f', '\xff', '\r\n '];
const LINES = [
  'Content-Length: 5',
  'Content-Length: 0',
  'Transfer-Encoding: chunked',
  'Transfer-Encoding: identity',
  `Host: ${HOST}`,
  'Connection: close',
  'Expect: 100-continue',
];

/**
 * One valid request mutated 1–4 times (insert, delete, duplicate, inject a line), then a pipelined
 * request for `${SMUGGLED}-m<index>`: if the backend sees it, the client must have its answer too —
 * else the proxy and the backend framed the bytes differently (a desync).
 */
export function mutatedCase(r: Rng, index: number): FuzzCase {
  let text = r.pick(BASE);
  const steps: string[] = [];
  const mutations = 1 + r.int(4);
  for (let i = 0; i < mutations; i++) {
    const at = r.int(text.length + 1);
    switch (r.int(5)) {
      case 0: {
        const s = r.pick(INSERTS);
        text = text.slice(0, at) + s + text.slice(at);
        steps.push(`insert ${JSON.stringify(s)} at ${at}`);
        break;
      }
      case 1: {
        const n = 1 + r.int(4);
        text = text.slice(0, at) + text.slice(at + n);
        steps.push(`delete ${n} at ${at}`);
        break;
      }
      case 2: {
        const n = 1 + r.int(16);
        text = text.slice(0, at) + text.slice(at, at + n).repeat(2) + text.slice(at + n);
        steps.push(`duplicate ${n} at ${at}`);
        break;
      }
      case 3: {
        const line = r.pick(LINES);
        const eol = text.indexOf('\r\n');
        text = `${text.slice(0, eol + 2)}${line}\r\n${text.slice(eol + 2)}`;
        steps.push(`add ${JSON.stringify(line)}`);
        break;
      }
      default: {
        const c = String.fromCharCode(r.int(256));
        text = text.slice(0, at) + c + text.slice(at + 1);
        steps.push(`replace at ${at} with ${JSON.stringify(c)}`);
      }
    }
  }
  const tail = `${SMUGGLED}-m${index}`;
  return {
    name: `mutation ${index}: ${steps.join(', ')}`,
    bytes: Buffer.from(`${text}GET ${tail} HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`, 'latin1'),
    expect: 'any',
    tail,
  };
}
