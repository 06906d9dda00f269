import type { ClaudeAssistantMessage, ClaudeContentBlock, ClaudeResultMessage, ClaudeStreamEvent, ClaudeSystemMessage, ClaudeUsage, ClaudeUserMessage } from '../parsers/claude-stream-json.js';
import { parseClaudeLine } from '../parsers/claude-stream-json.js';
import type { AgentEvent, TokenCounts } from './agent-events.js';
import type { AgentAdapter, AgentLineParser, AgentRequest } from './adapter.js';
import { excerptOf } from './excerpt.js';

// Claude Code's windows: 200k tokens, or 1M for the models it names with a "[1m]" suffix. Its
// result reports the real figure (modelUsage.contextWindow), which then replaces this guess.
const DEFAULT_WINDOW = 200_000;
const LONG_WINDOW = 1_000_000;

/**
 * SIGINT is Claude Code's clean stop: it ends its running tool (whose shell is in a session of its
 * own, out of reach of a group signal) and prints a result. SIGTERM or SIGKILL would leave the
 * tool's processes behind for the tree sweep. So: SIGINT to the CLI alone, then the tree.
 */
const CLAUDE_STOP = [
  { signal: 'SIGINT', graceMs: 5000, target: 'leader' },
  { signal: 'SIGTERM', graceMs: 2000 },
] as const;

function counts(u: ClaudeUsage | null | undefined): TokenCounts {
  return {
    inputTokens: u?.input_tokens ?? 0,
    outputTokens: u?.output_tokens ?? 0,
    cacheReadTokens: u?.cache_read_input_tokens ?? 0,
    cacheCreationTokens: u?.cache_creation_input_tokens ?? 0,
  };
}

function toolOutput(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part: { type?: string; text?: string }) => (part?.type === 'text' && typeof part.text === 'string' ? part.text : ''))
    .filter(Boolean)
    .join('\n');
}

class ClaudeParser implements AgentLineParser {
  #session: string | undefined;
  #model: string | undefined;
  /** The message being streamed (partial messages), for the deltas that follow its start. */
  #streaming = new Map<string | null, string>();

  parse(value: unknown): AgentEvent[] {
    const line = parseClaudeLine(value);
    if (line.kind === 'invalid') return [{ type: 'invalid', invalid: { error: line.error, excerpt: excerptOf(line.value) } }];
    if (line.kind === 'unknown') return this.#sessionFrom(line.message.session_id);
    const m = line.message;
    switch (m.type) {
      case 'system':
        return this.#system(m);
      case 'assistant':
        return [...this.#sessionFrom(m.session_id), ...this.#assistant(m)];
      case 'user':
        return [...this.#sessionFrom(m.session_id), ...this.#user(m)];
      case 'stream_event':
        return [...this.#sessionFrom(m.session_id), ...this.#stream(m)];
      case 'result':
        return [...this.#sessionFrom(m.session_id), this.#result(m)];
    }
  }

  #sessionFrom(id: unknown): AgentEvent[] {
    if (typeof id !== 'string' || id === this.#session) return [];
    this.#session = id;
    return [{ type: 'session', sessionId: id, ...(this.#model ? { model: this.#model } : {}) }];
  }

  #system(m: ClaudeSystemMessage): AgentEvent[] {
    if (m.subtype === 'init' && m.model) this.#model = m.model;
    const out = this.#sessionFrom(m.session_id);
    if (m.subtype === 'api_retry') {
      const detail = ['attempt', 'max_retries', 'error_status', 'error']
        .filter((k) => (m as Record<string, unknown>)[k] !== undefined)
        .map((k) => `${k} ${JSON.stringify((m as Record<string, unknown>)[k])}`)
        .join(', ');
      out.push({ type: 'notice', notice: { level: 'warning', message: `model API call failed, retrying${detail ? ` (${detail})` : ''}` } });
    }
    return out;
  }

  #assistant(m: ClaudeAssistantMessage): AgentEvent[] {
    const out: AgentEvent[] = [];
    const parent = m.parent_tool_use_id ?? null;
    for (const block of m.message.content as ClaudeContentBlock[]) {
      if (block.type === 'text' && typeof block.text === 'string') {
        out.push({ type: 'message', message: { messageId: m.message.id, kind: 'text', text: block.text, delta: false, parentToolUseId: parent } });
      } else if (block.type === 'thinking' && typeof block.thinking === 'string') {
        out.push({ type: 'message', message: { messageId: m.message.id, kind: 'thinking', text: block.thinking, delta: false, parentToolUseId: parent } });
      } else if (block.type === 'tool_use') {
        const use = block as { id: string; name: string; input: unknown };
        out.push({ type: 'tool-use', id: use.id, name: use.name, input: use.input, parentToolUseId: parent });
      }
    }
    // A synthetic message (an API failure reported as text) used no tokens.
    if (m.message.usage && m.message.model !== '<synthetic>') out.push({ type: 'usage', usage: { callId: m.message.id, ...counts(m.message.usage) } });
    return out;
  }

  #user(m: ClaudeUserMessage): AgentEvent[] {
    if (typeof m.message.content === 'string') return [];
    const out: AgentEvent[] = [];
    for (const block of m.message.content as ClaudeContentBlock[]) {
      if (block.type !== 'tool_result') continue;
      const r = block as { tool_use_id: string; content?: unknown; is_error?: boolean };
      out.push({ type: 'tool-result', id: r.tool_use_id, output: toolOutput(r.content), isError: r.is_error === true, exitCode: null });
    }
    return out;
  }

  #stream(m: ClaudeStreamEvent): AgentEvent[] {
    const parent = m.parent_tool_use_id ?? null;
    const e = m.event as { type: string; message?: { id?: string; usage?: ClaudeUsage }; delta?: { type?: string; text?: string; thinking?: string }; usage?: ClaudeUsage };
    if (e.type === 'message_start' && typeof e.message?.id === 'string') {
      this.#streaming.set(parent, e.message.id);
      return e.message.usage ? [{ type: 'usage', usage: { callId: e.message.id, ...counts(e.message.usage) } }] : [];
    }
    const messageId = this.#streaming.get(parent);
    if (messageId === undefined) return [];
    if (e.type === 'content_block_delta') {
      if (e.delta?.type === 'text_delta' && typeof e.delta.text === 'string') {
        return [{ type: 'message', message: { messageId, kind: 'text', text: e.delta.text, delta: true, parentToolUseId: parent } }];
      }
      if (e.delta?.type === 'thinking_delta' && typeof e.delta.thinking === 'string') {
        return [{ type: 'message', message: { messageId, kind: 'thinking', text: e.delta.thinking, delta: true, parentToolUseId: parent } }];
      }
    }
    // The final output count of the call arrives with message_delta.
    if (e.type === 'message_delta' && e.usage?.output_tokens !== undefined) {
      return [{ type: 'usage', usage: { callId: messageId, inputTokens: 0, cacheReadTokens: 0, cacheCreationTokens: 0, outputTokens: e.usage.output_tokens } }];
    }
    return [];
  }

  #result(m: ClaudeResultMessage): AgentEvent {
    const models = Object.entries(m.modelUsage ?? {});
    const main = models.find(([name]) => name === this.#model) ?? models[0];
    return {
      type: 'result',
      result: {
        text: m.result ?? '',
        isError: m.is_error,
        subtype: m.subtype,
        sessionId: m.session_id,
        apiErrorStatus: m.api_error_status ?? null,
        costUsd: m.total_cost_usd ?? null,
        numTurns: m.num_turns ?? null,
        durationMs: m.duration_ms ?? null,
        usage: m.usage ? counts(m.usage) : null,
        contextWindow: main?.[1].contextWindow ?? null,
      },
    };
  }
}

/** Claude Code in print mode with stream-json output (`claude -p … --output-format stream-json --verbose`). */
export const claudeAdapter: AgentAdapter = {
  name: 'claude',
  bin: 'claude',
  installHint: 'npm install -g @anthropic-ai/claude-code',
  args(r: AgentRequest): string[] {
    const args = ['-p', '--output-format', 'stream-json', '--verbose'];
    if (r.model) args.push('--model', r.model);
    if (r.resume) args.push('--resume', r.resume);
    if (r.partialMessages) args.push('--include-partial-messages');
    // After "--" the prompt is an operand even when it starts with "-".
    args.push(...r.extraArgs, '--', r.prompt);
    return args;
  },
  stop: CLAUDE_STOP,
  contextWindow: (model) => (model && /\[1m\]$/i.test(model) ? LONG_WINDOW : DEFAULT_WINDOW),
  createParser: () => new ClaudeParser(),
};
