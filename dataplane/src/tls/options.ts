// TLS and HTTP/2 settings of the HTTPS listener: TLS 1.2+ with AEAD ECDHE suites only (Mozilla's
// "intermediate" profile, which also satisfies HTTP/2's cipher rules, RFC 9113 §9.2.2), and
// explicit HTTP/2 limits so that no client can grow a session without bound.
import type { ServerOptions as Http2ServerOptions } from 'node:http2';

export const MIN_TLS_VERSION = 'TLSv1.2';

/** OpenSSL sets TLS 1.3 suites apart from the TLS 1.2 cipher list; Node takes both in `ciphers`. */
export const TLS13_SUITES = [
  'TLS_AES_128_GCM_SHA256',
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
].join(':');

/** TLS 1.3 suites must be listed too: Node disables TLS 1.3 when `ciphers` names none. */
export const CIPHERS = [
  TLS13_SUITES,
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

/** Options shared by the listener's own context and every per-certificate (SNI) context. */
export const SECURE_CONTEXT_OPTIONS = {
  minVersion: MIN_TLS_VERSION,
  ciphers: CIPHERS,
  honorCipherOrder: true,
} as const;

/** Protocols offered through ALPN, preferred first. */
export const ALPN_PROTOCOLS = ['h2', 'http/1.1'];

/** Seconds a resumable session stays valid (nginx's ssl_session_timeout is 5 minutes). */
export const SESSION_TIMEOUT_S = 300;

/** Same bound as HTTP/1's header count, plus room for the four request pseudo-headers. */
export function http2Options(limits: { maxHeaderBytes: number; maxHeaders: number }): Http2ServerOptions {
  return {
    // Node's defaults are written out where they are the right bound, so a change of default
    // upstream cannot loosen them silently.
    maxSessionMemory: 10, // MB of buffered frames per session before new streams are refused
    maxHeaderListPairs: limits.maxHeaders + 4,
    maxOutstandingPings: 10,
    maxSettings: 32,
    // Backstops only. The frame guard's budgets (http2/budgets.ts) are the policy: they count
    // the same events — frames the protocol forbids, streams refused or reset — and end the
    // connection sooner, with ENHANCE_YOUR_CALM. These limits of Node's and nghttp2's answer with
    // INTERNAL_ERROR, and count what the budgets deliberately allow: nghttp2's bucket counts every
    // RST_STREAM, also a client cancelling responses already under way (a video player seeking),
    // and Node's invalid-frame count never decays on a long-lived connection.
    maxSessionInvalidFrames: 1000,
    maxSessionRejectedStreams: 1000,
    streamResetBurst: 10_000,
    streamResetRate: 330,
    settings: {
      maxConcurrentStreams: 128, // nginx's http2_max_concurrent_streams
      maxHeaderListSize: limits.maxHeaderBytes,
      initialWindowSize: 65_535,
      maxFrameSize: 16_384,
      headerTableSize: 4_096,
      enablePush: false,
    },
  } as Http2ServerOptions;
}
