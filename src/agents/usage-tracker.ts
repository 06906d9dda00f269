import type { AgentResult, ContextUsage, RunUsage, TokenCounts, UsageReport } from './agent-events.js';

const ZERO: TokenCounts = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheCreationTokens: 0 };

function add(a: TokenCounts, b: TokenCounts): TokenCounts {
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    cacheReadTokens: a.cacheReadTokens + b.cacheReadTokens,
    cacheCreationTokens: a.cacheCreationTokens + b.cacheCreationTokens,
  };
}

/**
 * Sums token reports per model call, and works out how full the context window is. Reports of one
 * call are merged field by field with max (a call's counts only grow as it streams), so a CLI that
 * repeats a call's usage on every content block is counted once.
 */
export class UsageTracker {
  readonly #calls = new Map<string, UsageReport>();
  #latest: UsageReport | undefined;
  #final: TokenCounts | null = null;
  #cost: number | null = null;
  #reportedWindow: number | null = null;

  /** `windowFor`: the context window of the model in use, when known. */
  constructor(private readonly windowFor: () => number | undefined) {}

  report(u: UsageReport): void {
    const prev = this.#calls.get(u.callId);
    const merged: UsageReport = prev
      ? {
          callId: u.callId,
          inputTokens: Math.max(prev.inputTokens, u.inputTokens),
          outputTokens: Math.max(prev.outputTokens, u.outputTokens),
          cacheReadTokens: Math.max(prev.cacheReadTokens, u.cacheReadTokens),
          cacheCreationTokens: Math.max(prev.cacheCreationTokens, u.cacheCreationTokens),
          ...(u.contextTokens !== undefined || prev.contextTokens !== undefined ? { contextTokens: u.contextTokens ?? prev.contextTokens } : {}),
        }
      : u;
    this.#calls.set(u.callId, merged);
    this.#latest = merged;
  }

  /** A result's totals and cost are the agent's own accounting: they replace the running sums. */
  finish(result: AgentResult): void {
    if (result.usage) this.#final = result.usage;
    if (result.costUsd !== null) this.#cost = result.costUsd;
    if (result.contextWindow !== null) this.#reportedWindow = result.contextWindow;
  }

  get context(): ContextUsage | null {
    const latest = this.#latest;
    const windowTokens = this.#reportedWindow ?? this.windowFor();
    if (!latest || !windowTokens) return null;
    // What the model read at its latest call: the same figure as Claude Code's statusline.
    const usedTokens = latest.contextTokens ?? latest.inputTokens + latest.cacheReadTokens + latest.cacheCreationTokens;
    return { usedTokens, windowTokens, percent: Math.round((usedTokens / windowTokens) * 1000) / 10 };
  }

  get usage(): RunUsage {
    let totals = this.#final;
    if (!totals) {
      totals = ZERO;
      for (const c of this.#calls.values()) totals = add(totals, c);
    }
    const { inputTokens, outputTokens, cacheReadTokens, cacheCreationTokens } = totals;
    return { inputTokens, outputTokens, cacheReadTokens, cacheCreationTokens, costUsd: this.#cost, context: this.context };
  }
}
