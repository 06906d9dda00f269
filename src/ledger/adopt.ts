import { SpawnFailedError } from '../errors/procward-error.js';
import type { OutputBuffer } from '../output/output-buffer.js';
import type { ChildSlot } from '../process/child-slot.js';
import type { ChildEvents } from '../spawn/child-handle.js';
import { adoptSpooledChild } from '../spool/spooled-child.js';
import { readSpool } from '../spool/spool-reader.js';
import { adoptTmuxSession } from '../tmux/tmux-child.js';
import type { LedgerEntry } from './ledger-schema.js';

/** A live persisted process of an earlier host, as recover() found it. */
export interface Adoptable {
  pid: number;
  startTicks: number;
  /** Its spool directory; undefined if it cannot be trusted (its output is then taken as none written). */
  spoolDir: string | undefined;
  tmux: LedgerEntry['tmux'];
}

/**
 * Takes over a persisted process into an attempt's slot: what the buffer can hold of its spool is
 * read now, without events (nobody listens yet), then its output is followed from there, and its
 * tree is watched like any other. A tmux session gets a new control client instead.
 */
export function adoptChild(slot: ChildSlot, output: OutputBuffer, a: Adoptable): void {
  let since = 0;
  try {
    if (!a.spoolDir) throw new Error('no trusted spool');
    const { end } = readSpool(a.spoolDir, { limit: 0 });
    const held = readSpool(a.spoolDir, { since: Math.max(0, end - output.maxBytes) });
    output.startAt(held.from);
    output.append(a.tmux ? 'pty' : 'stdout', held.data);
    since = held.to;
  } catch {
    /* no spool (yet, or none that can be trusted): the process has written nothing */
  }
  if (a.tmux) return adoptTmux(slot, a.pid, a.tmux);
  slot.attach(adoptSpooledChild(a.pid, a.startTicks, a.spoolDir, since, slot.events), 0);
  slot.expect(a.pid);
}

/**
 * The session goes on in its tmux server; a new control client follows it from now on.
 * adoptTmuxSession reports `spawned` before it resolves with the handle: passed on as it comes,
 * `started` would resolve (and a write() right after it fail with NOT_RUNNING) while the handle
 * and its stdin were not attached yet. So `spawned` is held until they are.
 */
function adoptTmux(slot: ChildSlot, pid: number, tmux: { session: string; socket: string }): void {
  slot.expect(pid);
  let attached = false;
  let spawnedEarly = false;
  const events: ChildEvents = {
    ...slot.events,
    spawned: () => {
      if (attached) slot.events.spawned();
      else spawnedEarly = true;
    },
  };
  const fail = (why: string, cause?: unknown) => slot.fail(new SpawnFailedError(`Cannot take over tmux session ${tmux.session}: ${why}`, 'other', { cause, processId: slot.processId }));
  adoptTmuxSession(tmux.session, tmux.socket, events)
    .then(
      (handle) => {
        if (!handle) return fail('it is gone.');
        if (handle.pid !== undefined && handle.pid !== pid) {
          // Another command runs in a session of that name now: not the process the ledger names.
          handle.closeOutput();
          return fail(`it runs pid ${handle.pid}, not the recorded ${pid}.`);
        }
        slot.attach(handle, 0);
        attached = true;
        if (spawnedEarly) slot.events.spawned();
      },
      // A name tmux would not take literally (INVALID_OPTIONS), a failing tmux: the process fails
      // like a spawn that failed, rather than an unhandled rejection and a process stuck in `starting`.
      (err: unknown) => fail((err as Error)?.message ?? String(err), err),
    )
    .catch((err: unknown) => slot.internalFailure('tmux take-over', err));
}
