import { z } from 'zod';
import { jsonProblem, TMUX_NAME } from '../options/values.js';
import { PROCWARD_ID } from '../state-dir/process-id.js';
import { PROCESS_STATES } from '../state-machine/states.js';

/*
 * What a ledger entry may hold. recover() kills or adopts processes, deletes spools and talks to
 * tmux on its word, so every field is checked for what procward itself writes there, nothing
 * looser: an entry that does not fit makes the whole ledger LEDGER_CORRUPT (nothing touched).
 */

// Linux's PID_MAX_LIMIT (2^22): no pid is larger on any kernel.
const PID_MAX = 4_194_304;

/** A string handed to the OS one day (a command, an argument, a cwd): C strings end at NUL. */
const osText = z.string().refine((s) => !s.includes('\0'), 'must not contain a NUL byte');
const time = z.number().nonnegative();

export const LedgerEntrySchema = z.object({
  /** A randomUUID(), as ProcessManager makes them: the id names the spool directory, so nothing else is taken. */
  id: z.string().regex(PROCWARD_ID, 'expected a procward process id (a UUID)'),
  managerId: z.string().regex(PROCWARD_ID, 'expected a procward manager id (a UUID)'),
  /** Undefined while queued. */
  pid: z.number().int().min(2).max(PID_MAX).optional(),
  /** Start time of the leader in clock ticks since boot: with the pid, it names one process. */
  startTicks: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).optional(),
  command: osText,
  args: z.array(osText),
  cwd: osText,
  label: z.string().optional(),
  type: z.enum(['command', 'service']),
  scope: z.object({ kind: z.string().min(1), id: z.string().min(1) }).optional(),
  /** Plain JSON, as spawn() requires of metadata (at most 64 levels deep, no cycle). */
  metadata: z.record(z.string(), z.unknown()).superRefine((m, ctx) => {
    const problem = jsonProblem(m, '');
    if (problem) ctx.addIssue({ code: 'custom', message: `metadata must be plain JSON: ${problem}` });
  }),
  persist: z.boolean(),
  state: z.enum(PROCESS_STATES),
  createdAt: time,
  startedAt: time.nullable(),
  endedAt: time.nullable(),
  exit: z
    .object({
      code: z.number().int().nullable(),
      signal: z
        .string()
        .regex(/^SIG[A-Z0-9+-]+$/)
        .nullable(),
      reason: z.string().min(1),
    })
    .nullable(),
  /** Where its output was spooled (informative: recover() derives the directory from the id). */
  spoolDir: z.string(),
  /** tmux session, for `pty: { backend: 'tmux' }`: names tmux takes literally, as spawn requires. */
  tmux: z.object({ socket: z.string().regex(TMUX_NAME), session: z.string().regex(TMUX_NAME) }).optional(),
});

export type LedgerEntry = z.infer<typeof LedgerEntrySchema>;

/** The file around the entries; the entries are checked one by one (parseLedgerEntry). */
export const LedgerEnvelopeSchema = z.object({
  format: z.literal('procward-ledger'),
  version: z.literal(1),
  managerId: z.string().regex(PROCWARD_ID, 'expected a procward manager id (a UUID)'),
  hostPid: z.number().int().positive(),
  updatedAt: time,
  processes: z.array(z.unknown()),
});

export type RawLedger = z.infer<typeof LedgerEnvelopeSchema>;

export interface Ledger {
  format: 'procward-ledger';
  version: 1;
  managerId: string;
  hostPid: number;
  updatedAt: number;
  processes: LedgerEntry[];
}

/** Why an entry does not fit (its path and message), or the entry. */
export function checkLedgerEntry(raw: unknown, index: number): { entry: LedgerEntry } | { problem: string } {
  const r = LedgerEntrySchema.safeParse(raw);
  if (r.success) return { entry: r.data };
  const issue = r.error.issues[0]!;
  return { problem: `processes.${index}${issue.path.length ? `.${issue.path.join('.')}` : ''}: ${issue.message}` };
}
