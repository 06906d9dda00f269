import type { StopStep } from '../options/schemas.js';
import type { AgentEvent } from './agent-events.js';

/** What the host asked of one agent run, as an adapter sees it. */
export interface AgentRequest {
  prompt: string;
  cwd: string;
  model: string | undefined;
  /** The session to continue. */
  resume: string | undefined;
  /** Stream text as it is written (Claude Code `--include-partial-messages`). */
  partialMessages: boolean;
  /** Appended to the adapter's own flags, before the prompt. */
  extraArgs: string[];
}

/** Turns a run's output lines into events; one per run, so it may keep state between lines. */
export interface AgentLineParser {
  /** One JSON value per line of stdout (lines that are not JSON never reach it). */
  parse(value: unknown): AgentEvent[];
}

/**
 * Everything the library needs to know about an agent CLI. The Claude Code and Codex adapters are
 * built on this interface like any a host registers with `pm.agents.register()`.
 */
export interface AgentAdapter {
  /** The name hosts pass as `agent`. */
  readonly name: string;
  /** The program run when the host gives no `bin`: a name looked up on PATH, or a path. */
  readonly bin: string;
  /** How to install the CLI, for the error when it is missing. */
  readonly installHint?: string;
  /** The arguments after the program. No shell is involved: the prompt is one argument, whatever it holds. */
  args(request: AgentRequest): string[];
  /** Variables to add to (or, with undefined, remove from) the environment. */
  env?(request: AgentRequest): Record<string, string | undefined>;
  /** How this CLI wants to be stopped, before SIGKILL; the manager's stop settings when absent. */
  readonly stop?: readonly StopStep[];
  /** The context window of a model, when the CLI does not report it. */
  contextWindow?(model: string | undefined): number | undefined;
  createParser(request: AgentRequest): AgentLineParser;
}
