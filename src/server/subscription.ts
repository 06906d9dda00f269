import type { OutputStream } from '../output/output-buffer.js';
import type { ManagedProcess } from '../process/managed-process.js';
import type { ServerMessage } from '../protocol/messages.js';
import { TERMINAL_STATES, type StateChange } from '../state-machine/states.js';

export interface SubscriptionSettings {
  /** Output read within this long goes out as one message. */
  batchMs: number;
  /** ... unless it reaches this many bytes first. */
  batchBytes: number;
  /** Bytes the transport may hold unsent for this client before live output waits for drained(). */
  maxBufferedBytes: number;
  /** Bytes the transport holds unsent now (0 where it cannot tell). */
  buffered(): number;
  /** Resolves when the transport has room again. */
  drained(): Promise<void>;
  send(message: ServerMessage): void;
  /** Whether state changes and the exit go out with the output (off while the events stream carries them). */
  ownsLifecycle(): boolean;
  failed(err: unknown): void;
}

/**
 * One client's view of one process's output: a replay from `since`, then live output, coalesced
 * into messages of up to batchBytes or batchMs (a child writing many small chunks does not become
 * one message per chunk), exact in its offsets. A client that does not keep up is not fed beyond
 * maxBufferedBytes: reading stops, the process's OutputBuffer goes on evicting as it always does
 * (so the host holds no more than that buffer for it), and when the client drains it goes on from
 * its offset, told with `dropped` of what was evicted meanwhile. The exit goes out after the last
 * byte, and the terminal state with it.
 */
export class Subscription {
  readonly #p: ManagedProcess;
  readonly #s: SubscriptionSettings;
  readonly #abort = new AbortController();
  #batch: Buffer[] = [];
  #batchBytes = 0;
  #batchOffset = 0;
  #batchStream: OutputStream = 'stdout';
  #timer: NodeJS.Timeout | undefined;
  #final: StateChange | undefined;
  readonly #onState = (change: StateChange) => {
    if (!this.#s.ownsLifecycle()) return;
    // The terminal state waits for the last byte, so that it arrives after all output.
    if ((TERMINAL_STATES as readonly string[]).includes(change.to)) this.#final = change;
    else {
      this.#flush();
      this.#s.send({ type: 'state', id: this.#p.id, from: change.from, to: change.to, reason: change.reason });
    }
  };

  constructor(p: ManagedProcess, since: number | undefined, settings: SubscriptionSettings) {
    this.#p = p;
    this.#s = settings;
    p.on('state', this.#onState);
    this.#run(since).catch((err: unknown) => settings.failed(err));
  }

  close(): void {
    this.#abort.abort();
    clearTimeout(this.#timer);
    this.#p.off('state', this.#onState);
  }

  async #run(since: number | undefined): Promise<void> {
    const id = this.#p.id;
    const signal = this.#abort.signal;
    for await (const c of this.#p.output.follow({ since, signal })) {
      if (c.dropped > 0) {
        this.#flush();
        this.#s.send({ type: 'dropped', id, from: c.offset - c.dropped, to: c.offset });
      }
      if (this.#batchBytes > 0 && (c.stream !== this.#batchStream || this.#batchOffset + this.#batchBytes !== c.offset)) this.#flush();
      if (this.#batchBytes === 0) {
        this.#batchOffset = c.offset;
        this.#batchStream = c.stream;
      }
      this.#batch.push(c.data);
      this.#batchBytes += c.data.length;
      if (this.#batchBytes >= this.#s.batchBytes) this.#flush();
      else this.#timer ??= setTimeout(() => this.#flush(), this.#s.batchMs);
      if (this.#s.buffered() > this.#s.maxBufferedBytes) {
        this.#flush();
        await this.#s.drained();
        if (signal.aborted) return;
      }
    }
    if (signal.aborted) return;
    this.#flush();
    const exit = await this.#p.exited;
    if (signal.aborted || !this.#s.ownsLifecycle()) return;
    const f = this.#final;
    if (f) this.#s.send({ type: 'state', id, from: f.from, to: f.to, reason: f.reason });
    this.#s.send({ type: 'exit', id, exit: JSON.parse(JSON.stringify(exit)) as { state: string } });
  }

  #flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#batchBytes === 0 || this.#abort.signal.aborted) return;
    const data = this.#batch.length === 1 ? this.#batch[0]! : Buffer.concat(this.#batch, this.#batchBytes);
    this.#s.send({ type: 'output', id: this.#p.id, offset: this.#batchOffset, stream: this.#batchStream, data: data.toString('base64') });
    this.#batch = [];
    this.#batchBytes = 0;
  }
}
