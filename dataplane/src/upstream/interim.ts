// An end to interim responses. undici skips 1xx and restarts its headers timeout on each one
// (client-h1.js), so an upstream sending them without end would hold a request forever; RFC 9110
// §15.2 allows several 1xx before the final response, not an unbounded stream of them.
import { errors } from 'undici';

/** A request attempt's first 1xx, in performance.now() milliseconds; 0: none yet. */
export interface InterimWatch {
  interimSince: number;
}

/** Notes a 1xx at `now`; true once 1xx have kept coming for longer than `limitMs`. */
export function interimOverdue(attempt: InterimWatch, now: number, limitMs: number): boolean {
  if (attempt.interimSince === 0) {
    attempt.interimSince = now;
    return false;
  }
  return now - attempt.interimSince > limitMs;
}

/** The error an overdue attempt is aborted with: a headers timeout, so the client gets 504. */
export function interimTimeout(): Error {
  return new errors.HeadersTimeoutError();
}
