// A Writable over a file descriptor (stdout) that never blocks the event loop, whatever mode the
// descriptor is in: writes go through fs.write on libuv's thread pool (a blocking pipe blocks a
// pool thread, not the loop), and EAGAIN from a non-blocking one is retried a little later, as
// SonicBoom does. fs.WriteStream gives up after a few EAGAINs; process.stdout to a pipe is
// synchronous on Linux.
import { write } from 'node:fs';
import { Writable } from 'node:stream';

const RETRY_MS = 5;

export class FdWriter extends Writable {
  readonly #fd: number;

  constructor(fd: number, highWaterMark = 64 * 1024) {
    super({ highWaterMark });
    this.#fd = fd;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.#writeAll(chunk, callback);
  }

  override _writev(
    chunks: Array<{ chunk: Buffer; encoding: BufferEncoding }>,
    callback: (error?: Error | null) => void,
  ): void {
    this.#writeAll(Buffer.concat(chunks.map((c) => c.chunk)), callback);
  }

  #writeAll(buffer: Buffer, callback: (error?: Error | null) => void): void {
    write(this.#fd, buffer, 0, buffer.length, null, (error, written) => {
      if (error && (error as NodeJS.ErrnoException).code === 'EAGAIN') {
        setTimeout(() => this.#writeAll(buffer, callback), RETRY_MS);
        return;
      }
      if (error) {
        callback(error);
        return;
      }
      if (written < buffer.length) this.#writeAll(buffer.subarray(written), callback);
      else callback();
    });
  }
}
