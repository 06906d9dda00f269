import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { LedgerCorruptError } from '../errors/procward-error.js';
import { PROCESS_STATES } from '../state-machine/states.js';
import { PROCWARD_ID } from '../state-dir/process-id.js';

export const LedgerEntrySchema = z.object({
  /** A randomUUID(), as ProcessManager makes them: the id names the spool directory, so nothing else is taken. */
  id: z.string().regex(PROCWARD_ID, 'expected a procward process id (a UUID)'),
  managerId: z.string().regex(PROCWARD_ID, 'expected a procward manager id (a UUID)'),
  /** Undefined while queued. */
  pid: z.number().int().positive().optional(),
  /** Start time of the leader in clock ticks since boot: with the pid, it names one process. */
  startTicks: z.number().int().nonnegative().optional(),
  command: z.string(),
  args: z.array(z.string()),
  cwd: z.string(),
  label: z.string().optional(),
  type: z.enum(['command', 'service']),
  scope: z.object({ kind: z.string(), id: z.string() }).optional(),
  metadata: z.record(z.string(), z.unknown()),
  persist: z.boolean(),
  state: z.enum(PROCESS_STATES),
  createdAt: z.number(),
  startedAt: z.number().nullable(),
  endedAt: z.number().nullable(),
  exit: z.object({ code: z.number().nullable(), signal: z.string().nullable(), reason: z.string() }).nullable(),
  /** Where its output is spooled. */
  spoolDir: z.string(),
  /** tmux session, for `pty: { backend: 'tmux' }`. */
  tmux: z.object({ socket: z.string(), session: z.string() }).optional(),
});

export type LedgerEntry = z.infer<typeof LedgerEntrySchema>;

const LedgerSchema = z.object({
  format: z.literal('procward-ledger'),
  version: z.literal(1),
  managerId: z.string(),
  hostPid: z.number(),
  updatedAt: z.number(),
  processes: z.array(LedgerEntrySchema),
});

export type Ledger = z.infer<typeof LedgerSchema>;

export const LEDGER_FILE = 'ledger.json';

/**
 * The ledger of a stateDir. Every write goes to a temp file, is synced, then renamed over the
 * ledger: a crash at any point leaves either the old ledger or the new one, never an empty or torn
 * file (the rename is atomic on POSIX file systems).
 */
export class LedgerFile {
  readonly path: string;
  #seq = 0;

  constructor(stateDir: string) {
    this.path = join(stateDir, LEDGER_FILE);
  }

  /** The ledger, or undefined when there is none. Throws LEDGER_CORRUPT for anything unreadable. */
  read(): Ledger | undefined {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new LedgerCorruptError(this.path, (err as Error).message, err);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new LedgerCorruptError(this.path, text.length === 0 ? 'it is empty' : `not JSON: ${(err as Error).message}`, err);
    }
    const parsed = LedgerSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new LedgerCorruptError(this.path, `${issue.path.join('.') || 'the file'}: ${issue.message}`);
    }
    return parsed.data;
  }

  write(managerId: string, processes: LedgerEntry[]): void {
    mkdirSync(dirname(this.path), { recursive: true });
    const ledger: Ledger = { format: 'procward-ledger', version: 1, managerId, hostPid: process.pid, updatedAt: Date.now(), processes };
    const tmp = `${this.path}.${process.pid}.${++this.#seq}.tmp`;
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, JSON.stringify(ledger, null, 1));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
  }
}
