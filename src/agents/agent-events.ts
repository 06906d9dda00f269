/**
 * What an agent adapter makes of the lines its CLI prints, and what an agent run reports to the host.
 * Plain data throughout: JSON-serialisable, so a host can forward it to a UI as is.
 */

/** Assistant text: a whole block, or a streamed piece of one (`delta`). */
export interface AgentMessage {
  /** The model message this text belongs to; several blocks and all their deltas share it. */
  messageId: string;
  kind: 'text' | 'thinking';
  text: string;
  /** True for a streamed piece (partial messages); the whole block follows as a non-delta message. */
  delta: boolean;
  /** Set when a sub-agent wrote it: the tool use that started the sub-agent. */
  parentToolUseId: string | null;
}

export interface TokenCounts {
  /** Input tokens not read from the prompt cache. */
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheCreationTokens: number;
}

/** Token counts of one model call (or one turn, where the CLI reports no finer). */
export interface UsageReport extends TokenCounts {
  /**
   * The call these counts are for. A CLI may report one call several times as it goes (Claude Code
   * repeats it on each content block): reports with the same id are merged, not added up.
   */
  callId: string;
  /** Tokens in the context window at this call, when the adapter knows better than input + cache. */
  contextTokens?: number;
}

/** How full the model's context window is, like the Claude Code statusline's used_percentage. */
export interface ContextUsage {
  usedTokens: number;
  windowTokens: number;
  /** usedTokens / windowTokens × 100, rounded to 0.1. */
  percent: number;
}

/** The run's usage so far. */
export interface RunUsage extends TokenCounts {
  /** Reported by the agent (Claude Code reports it with its result); null when it does not say. */
  costUsd: number | null;
  /** Null until both the tokens in context and the model's window are known. */
  context: ContextUsage | null;
}

/** How the agent's work ended, as the agent itself reported it. */
export interface AgentResult {
  /** The final answer (or the error text for an error result). */
  text: string;
  isError: boolean;
  /** The agent's own word for it: `success`, `error_during_execution`, `error_max_turns`, `turn_failed`, … */
  subtype: string;
  sessionId: string | null;
  /** The HTTP status of a failed model API call, when that is why it failed. */
  apiErrorStatus: number | null;
  costUsd: number | null;
  numTurns: number | null;
  /** As the agent measured it. */
  durationMs: number | null;
  /** Totals for the whole run, when the agent reports them (they replace the running sums). */
  usage: TokenCounts | null;
  /** The model's context window, when the agent reports it. */
  contextWindow: number | null;
}

/** A tool call as the host sees it: its use, then (same id) its result with the use's name and input. */
export type ToolCall =
  | { phase: 'use'; id: string; name: string; input: unknown; parentToolUseId: string | null }
  | {
      phase: 'result';
      id: string;
      name: string;
      input: unknown;
      /** The tool's output as text. */
      output: string;
      isError: boolean;
      /** For shell tools that report it. */
      exitCode: number | null;
      /** From the use to the result, on the host's monotonic clock; null if the use was not seen. */
      durationMs: number | null;
    };

/** Something the agent said about itself that is neither output nor failure: a retry, a warning. */
export interface AgentNotice {
  level: 'info' | 'warning' | 'error';
  message: string;
}

/** A line that could not be used: not JSON, too long, or a known message with a malformed shape. */
export interface AgentInvalid {
  error: string;
  /** The start of the line, or the value that failed validation. */
  excerpt: string;
}

/** What an adapter's parser yields for one line. */
export type AgentEvent =
  | { type: 'session'; sessionId: string; model?: string }
  | { type: 'message'; message: AgentMessage }
  | { type: 'tool-use'; id: string; name: string; input: unknown; parentToolUseId: string | null }
  | { type: 'tool-result'; id: string; output: string; isError: boolean; exitCode: number | null }
  | { type: 'usage'; usage: UsageReport }
  | { type: 'result'; result: AgentResult }
  | { type: 'notice'; notice: AgentNotice }
  | { type: 'invalid'; invalid: AgentInvalid };
