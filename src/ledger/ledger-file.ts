import { closeSync, constants, fsyncSync, mkdirSync, openSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { LedgerCorruptError, ProcwardError } from '../errors/procward-error.js';
import { ownUid, readBounded } from '../state-dir/bounded-read.js';
import { checkLedgerEntry, LedgerEnvelopeSchema, type Ledger, type LedgerEntry, type RawLedger } from './ledger-schema.js';

export const LEDGER_FILE = 'ledger.json';

/**
 * The largest ledger read (and written): 64 MiB, some 100 000 entries of a typical size.
 * Exported so a host can tell how close its ledger is:
 * @example if (statSync(join(stateDir, 'ledger.json')).size > LEDGER_MAX_BYTES / 2) console.warn('lower retainExited'); A ledger
 * holds the registry (live processes and up to retainExited exited ones) and as many ended entries
 * of earlier hosts, so it stays far below this; the cap is there so that a file that is not
 * procward's (a sparse file of terabytes, say) is refused without being read.
 */
export const LEDGER_MAX_BYTES = 64 * 1024 * 1024;

// Temp files are created with O_EXCL and O_NOFOLLOW: a file or symlink planted at the (predictable)
// temp name is never written through.
const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);

/**
 * The ledger of a stateDir. Every write goes to a temp file, is synced, then renamed over the
 * ledger: a crash at any point leaves either the old ledger or the new one, never an empty or torn
 * file (the rename is atomic on POSIX file systems).
 */
export class LedgerFile {
  readonly path: string;
  readonly #stateDir: string;
  #seq = 0;

  constructor(stateDir: string) {
    this.#stateDir = stateDir;
    this.path = join(stateDir, LEDGER_FILE);
  }

  /**
   * The ledger, or undefined when there is none. Throws LEDGER_CORRUPT for anything that is not a
   * ledger procward wrote: unreadable, not JSON, not the schema, and also anything at the path that
   * is not a regular file of this process's uid of at most LEDGER_MAX_BYTES (a FIFO, a symlink, a
   * directory, a device, another user's file), or a stateDir that is not a directory of that uid.
   */
  read(): Ledger | undefined {
    const raw = this.readRaw();
    if (!raw) return undefined;
    const processes: LedgerEntry[] = [];
    for (let i = 0; i < raw.processes.length; i++) processes.push(this.checkEntry(raw.processes[i], i));
    return { ...raw, processes };
  }

  /**
   * The ledger with its entries not checked yet (see checkEntry): for a reader that checks them a
   * batch per event-loop turn. Throws LEDGER_CORRUPT like read() for the file and its envelope.
   */
  readRaw(): RawLedger | undefined {
    const dir = this.#checkStateDir();
    if (dir === 'missing') return undefined;
    if (dir.problem) throw new LedgerCorruptError(this.path, dir.problem);
    const file = readBounded(this.path, { maxBytes: LEDGER_MAX_BYTES, uid: ownUid() });
    if ('missing' in file) return undefined;
    if ('problem' in file) throw new LedgerCorruptError(this.path, file.problem, file.cause);
    const text = file.data.toString('utf8');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new LedgerCorruptError(this.path, text.length === 0 ? 'it is empty' : `not JSON: ${(err as Error).message}`, err);
    }
    const parsed = LedgerEnvelopeSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new LedgerCorruptError(this.path, `${issue.path.join('.') || 'the file'}: ${issue.message}`);
    }
    return parsed.data;
  }

  /** Entry `index` of a raw ledger, checked; throws LEDGER_CORRUPT naming the field that does not fit. */
  checkEntry(raw: unknown, index: number): LedgerEntry {
    const checked = checkLedgerEntry(raw, index);
    if ('problem' in checked) throw new LedgerCorruptError(this.path, checked.problem);
    return checked.entry;
  }

  /**
   * The stateDir (the path the host gave, its symlinks followed: the host chose it) must be a
   * directory of this process's uid: whoever owns it can replace the ledger at will.
   */
  #checkStateDir(): 'missing' | { problem?: string } {
    let st;
    try {
      st = statSync(this.#stateDir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
      return { problem: `its stateDir cannot be examined: ${(err as Error).message}` };
    }
    if (!st.isDirectory()) return { problem: `its stateDir ${this.#stateDir} is not a directory` };
    const uid = ownUid();
    if (uid !== undefined && st.uid !== uid) return { problem: `its stateDir ${this.#stateDir} belongs to uid ${st.uid}, not to this process's uid ${uid}: its owner could forge the ledger` };
    return {};
  }

  /** Throws STATE_FAILED, writing nothing, for a ledger above LEDGER_MAX_BYTES: it could not be read back. */
  write(managerId: string, processes: LedgerEntry[]): void {
    // A stateDir created here is private: its owner alone may write a ledger others will act on.
    mkdirSync(this.#stateDir, { recursive: true, mode: 0o700 });
    const ledger: Ledger = { format: 'procward-ledger', version: 1, managerId, hostPid: process.pid, updatedAt: Date.now(), processes };
    const text = Buffer.from(JSON.stringify(ledger, null, 1));
    if (text.length > LEDGER_MAX_BYTES) {
      throw new ProcwardError(
        'STATE_FAILED',
        `The ledger ${this.path} would be ${text.length} bytes, above the cap of ${LEDGER_MAX_BYTES} a later recover() reads; it was not written. Lower retainExited, or remove() exited processes.`,
      );
    }
    const tmp = `${this.path}.${process.pid}.${++this.#seq}.tmp`;
    const fd = openExclusive(tmp);
    try {
      for (let done = 0; done < text.length;) done += writeSync(fd, text, done);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
  }
}

/** Opens a new temp file; one left by a crashed host with the same pid (or planted) is unlinked, never followed. */
function openExclusive(path: string): number {
  try {
    return openSync(path, CREATE_FLAGS, 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST' && (err as NodeJS.ErrnoException).code !== 'ELOOP') throw err;
    unlinkSync(path);
    return openSync(path, CREATE_FLAGS, 0o600);
  }
}
