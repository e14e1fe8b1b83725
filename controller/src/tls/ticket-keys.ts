// TLS session-ticket keys, made by the primary and handed to every worker: a ticket issued by one
// worker resumes on any other (workers are separate processes behind SO_REUSEPORT). The key is
// replaced every ROTATE_MS so a stolen key decrypts at most that window of sessions (forward
// secrecy for resumed sessions); tickets from before a rotation fall back to a full handshake.
import { randomBytes } from 'node:crypto';

/** 48 bytes: Node's ticketKeys layout (16-byte name, 16-byte HMAC secret, 16-byte AES key). */
export const TICKET_KEYS_BYTES = 48;
export const ROTATE_MS = 12 * 60 * 60 * 1000;

export class TicketKeys {
  #current = randomBytes(TICKET_KEYS_BYTES);
  #timer: NodeJS.Timeout | undefined;
  readonly #rotateMs: number;

  constructor(rotateMs = ROTATE_MS) {
    this.#rotateMs = rotateMs;
  }

  get current(): Buffer {
    return this.#current;
  }

  /** Rotates every rotateMs and hands each new key to `onRotate` (which sends it to the workers). */
  start(onRotate: (keys: Buffer) => void): void {
    this.stop();
    this.#timer = setInterval(() => {
      this.#current = randomBytes(TICKET_KEYS_BYTES);
      onRotate(this.#current);
    }, this.#rotateMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
