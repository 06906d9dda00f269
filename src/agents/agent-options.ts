import { z } from 'zod';
import { OutputOptionsSchema, ScopeSchema, StopOptionsSchema, type StopOptions } from '../options/schemas.js';

export const SpawnAgentOptionsSchema = z.strictObject({
  /** A registered adapter: 'claude', 'codex' or one the host registered. */
  agent: z.string().min(1, 'agent must name a registered adapter such as "claude" or "codex"'),
  prompt: z.string().min(1, 'prompt must be a non-empty string'),
  cwd: z.string().min(1).optional(),
  model: z.string().min(1).optional(),
  /** A session id to continue. */
  resume: z.string().min(1).optional(),
  /** Stream text as it is written (message events with delta: true). */
  partialMessages: z.boolean().optional(),
  /** Further CLI flags, placed before the prompt. */
  extraArgs: z.array(z.string()).optional(),
  /** The program to run instead of the adapter's (a path, or a name on PATH). */
  bin: z.string().min(1).optional(),
  env: z.record(z.string(), z.string().optional()).optional(),
  inheritEnv: z.boolean().optional(),
  /** 'ignore' (default): agents block or wait on an open stdin. 'pipe' when the host streams input. */
  stdin: z.enum(['pipe', 'ignore']).optional(),
  label: z.string().optional(),
  scope: ScopeSchema.optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  timeoutMs: z.number().int().positive().optional(),
  signal: z.instanceof(AbortSignal, { message: 'signal must be an AbortSignal' }).optional(),
  /** No parsed event for this long (output that is not an event does not count): `idle`, and by onIdle a stop. */
  idleTimeoutMs: z.number().int().positive().optional(),
  onIdle: z.enum(['stop', 'event']).optional(),
  /** Sampling and limits of the run's process tree, as for spawn(). */
  metrics: z.union([z.boolean(), z.strictObject({ intervalMs: z.number().int().min(50) })]).optional(),
  maxMemoryBytes: z.number().int().positive().optional(),
  maxCpuPercent: z.number().positive().optional(),
  cpuWindowMs: z.number().int().positive().optional(),
  /** Replaces the adapter's stop sequence. */
  stop: StopOptionsSchema.optional(),
  output: OutputOptionsSchema.optional(),
  /** The model's context window in tokens, when neither the agent nor its adapter knows it. */
  contextWindow: z.number().int().positive().optional(),
  /** A longer output line is skipped and reported as invalid. @default 64 MiB */
  maxLineBytes: z.number().int().positive().optional(),
});

export type SpawnAgentOptions = Omit<z.input<typeof SpawnAgentOptionsSchema>, 'stop'> & { stop?: StopOptions };
/** What resumeAgent accepts: the original run's options are reused, these override them. */
export type ResumeAgentOptions = Omit<SpawnAgentOptions, 'agent' | 'prompt' | 'resume'>;
