import { z } from 'zod';
import { ProcessOptionsShape, checkWatchdogs } from '../options/schemas.js';
import { osString } from '../options/values.js';

export const SpawnAgentOptionsSchema = z
  .strictObject({
    /** A registered adapter: 'claude', 'codex' or one the host registered. */
    agent: z.string().min(1, 'agent must name a registered adapter such as "claude" or "codex"'),
    prompt: osString('prompt', 1),
    model: osString('model', 1).optional(),
    /** A session id to continue. */
    resume: osString('resume', 1).optional(),
    /** Stream text as it is written (message events with delta: true). */
    partialMessages: z.boolean().optional(),
    /** Further CLI flags, placed before the prompt. */
    extraArgs: z.array(osString('each of extraArgs')).optional(),
    /** The program to run instead of the adapter's (a path, or a name on PATH). */
    bin: osString('bin', 1).optional(),
    /** The model's context window in tokens, when neither the agent nor its adapter knows it. */
    contextWindow: z.number().int().positive().optional(),
    /** A longer output line is skipped and reported as invalid. @default 64 MiB */
    maxLineBytes: z.number().int().positive().optional(),
    // As for spawn(), with three differences: stdin defaults to 'ignore' because agents block or
    // wait on an open one; `stop` replaces the adapter's stop sequence; idleTimeoutMs counts parsed
    // events, not output, as activity.
    ...ProcessOptionsShape,
  })
  .superRefine(checkWatchdogs);

export type SpawnAgentOptions = z.input<typeof SpawnAgentOptionsSchema>;
/** What resumeAgent accepts: the original run's options are reused, these override them. */
export type ResumeAgentOptions = Omit<SpawnAgentOptions, 'agent' | 'prompt' | 'resume'>;
