import { Writable } from 'node:stream';

// Ctrl-D: at the start of a line the terminal's line discipline turns it into end-of-file.
const EOF = Buffer.from([4]);

// tmux sends a client's whole command line to the server in one message of at most 16 KiB
// (MAX_IMSGSIZE): at three bytes of argv per input byte ("1b\0"), 2 KiB of input fits with room.
export const SEND_KEYS_BYTES = 2 * 1024;

/** The tmux arguments that type `bytes` into a pane, exactly (control bytes, UTF-8, anything). */
export function sendKeysArgv(pane: string, bytes: Buffer): string[] {
  const argv = ['send-keys', '-t', pane, '-H'];
  for (const byte of bytes) argv.push(byte.toString(16).padStart(2, '0'));
  return argv;
}

/**
 * Input to a tmux pane: every write becomes keystrokes, byte for byte (`send-keys -H`, one tmux
 * client per SEND_KEYS_BYTES), as if typed at the terminal: "\r" is Enter, "\x03" Ctrl-C.
 * `send` runs in order with the handle's other tmux commands, so a write after resize() is typed
 * at the new size.
 */
export class TmuxInput extends Writable {
  readonly #send: (bytes: Buffer) => Promise<void>;

  constructor(send: (bytes: Buffer) => Promise<void>) {
    super({ decodeStrings: true, highWaterMark: 64 * 1024 });
    this.#send = send;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (err?: Error | null) => void): void {
    this.#sendAll(chunk).then(() => done(), done);
  }

  /** end() sends end-of-file the way a person at the terminal would. */
  override _final(done: (err?: Error | null) => void): void {
    this.#send(EOF).then(() => done(), done);
  }

  async #sendAll(chunk: Buffer): Promise<void> {
    for (let at = 0; at < chunk.length; at += SEND_KEYS_BYTES) await this.#send(chunk.subarray(at, at + SEND_KEYS_BYTES));
  }
}
