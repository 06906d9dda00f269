import type { CodexEvent, CodexItem } from '../parsers/codex-jsonl.js';
import { parseCodexLine } from '../parsers/codex-jsonl.js';
import type { AgentEvent } from './agent-events.js';
import type { AgentAdapter, AgentLineParser, AgentRequest } from './adapter.js';
import { excerptOf } from './excerpt.js';

// Codex does not report its model's window; this is its GPT-5 family's input window. A host that
// runs another model passes contextWindow to pm.agents.spawn().
const DEFAULT_WINDOW = 272_000;

interface ItemFields {
  id: string;
  type: string;
  text?: string;
  command?: string;
  aggregated_output?: string;
  exit_code?: number | null;
  status?: string;
  server?: string;
  tool?: string;
  arguments?: unknown;
  result?: unknown;
  error?: { message?: string } | null;
  changes?: unknown[];
  message?: string;
}

class CodexParser implements AgentLineParser {
  #turns = 0;
  #lastText = '';
  #threadId: string | null = null;
  /** Tool items whose start was reported, so that a completion without a start still gets its use. */
  #started = new Set<string>();

  parse(value: unknown): AgentEvent[] {
    const line = parseCodexLine(value);
    if (line.kind === 'invalid') return [{ type: 'invalid', invalid: { error: line.error, excerpt: excerptOf(line.value) } }];
    if (line.kind === 'unknown') return [];
    const e = line.message as CodexEvent;
    switch (e.type) {
      case 'thread.started':
        this.#threadId = e.thread_id;
        return [{ type: 'session', sessionId: e.thread_id }];
      case 'turn.started':
        this.#turns++;
        return [];
      case 'item.started':
      case 'item.updated':
      case 'item.completed':
        return this.#item(e.type, e.item as CodexItem & ItemFields);
      case 'turn.completed': {
        const u = e.usage;
        const cached = u.cached_input_tokens ?? 0;
        // OpenAI counts cached tokens inside input_tokens; split them out to match TokenCounts.
        const usage = { callId: `turn-${this.#turns}`, inputTokens: u.input_tokens - cached, outputTokens: u.output_tokens, cacheReadTokens: cached, cacheCreationTokens: 0 };
        return [
          { type: 'usage', usage },
          { type: 'result', result: this.#result(false, 'success', this.#lastText) },
        ];
      }
      case 'turn.failed':
        return [{ type: 'result', result: this.#result(true, 'turn_failed', e.error.message) }];
      case 'error':
        // Also printed while it retries a failed stream; the turn's own failure follows as turn.failed.
        return [{ type: 'notice', notice: { level: 'error', message: e.message } }];
    }
  }

  #result(isError: boolean, subtype: string, text: string) {
    return { text, isError, subtype, sessionId: this.#threadId, apiErrorStatus: null, costUsd: null, numTurns: this.#turns, durationMs: null, usage: null, contextWindow: null };
  }

  #item(phase: 'item.started' | 'item.updated' | 'item.completed', item: ItemFields): AgentEvent[] {
    const done = phase === 'item.completed';
    switch (item.type) {
      case 'agent_message':
      case 'reasoning':
        if (!done) return [];
        if (item.type === 'agent_message') this.#lastText = item.text ?? '';
        return [{ type: 'message', message: { messageId: item.id, kind: item.type === 'agent_message' ? 'text' : 'thinking', text: item.text ?? '', delta: false, parentToolUseId: null } }];
      case 'command_execution':
        return this.#tool(item, done, 'shell', { command: item.command }, () => ({
          output: item.aggregated_output ?? '',
          isError: item.status === 'failed' || item.status === 'declined' || (item.exit_code ?? 0) !== 0,
          exitCode: item.exit_code ?? null,
        }));
      case 'mcp_tool_call':
        return this.#tool(item, done, `${item.server}.${item.tool}`, item.arguments, () => ({
          output: item.error?.message ?? (typeof item.result === 'string' ? item.result : JSON.stringify(item.result ?? '')),
          isError: item.status === 'failed' || Boolean(item.error),
          exitCode: null,
        }));
      case 'file_change':
        return this.#tool(item, done, 'file_change', { changes: item.changes }, () => ({ output: item.status ?? '', isError: item.status === 'failed', exitCode: null }));
      case 'error':
        return done ? [{ type: 'notice', notice: { level: 'error', message: item.message ?? '' } }] : [];
      default:
        return [];
    }
  }

  #tool(item: ItemFields, done: boolean, name: string, input: unknown, result: () => { output: string; isError: boolean; exitCode: number | null }): AgentEvent[] {
    const out: AgentEvent[] = [];
    if (!this.#started.has(item.id)) {
      this.#started.add(item.id);
      out.push({ type: 'tool-use', id: item.id, name, input, parentToolUseId: null });
    }
    if (done) {
      this.#started.delete(item.id);
      out.push({ type: 'tool-result', id: item.id, ...result() });
    }
    return out;
  }
}

/** Codex CLI in exec mode with JSON events (`codex exec --json …`, `codex exec resume --json <id> …`). */
export const codexAdapter: AgentAdapter = {
  name: 'codex',
  bin: 'codex',
  installHint: 'npm install -g @openai/codex',
  args(r: AgentRequest): string[] {
    // exec refuses to run outside a git repository unless told; the host chose the cwd on purpose.
    const args = r.resume ? ['exec', 'resume', '--json', '--skip-git-repo-check'] : ['exec', '--json', '--skip-git-repo-check', '--cd', r.cwd];
    if (r.model) args.push('--model', r.model);
    args.push(...r.extraArgs);
    if (r.resume) args.push(r.resume);
    // After "--" the prompt is an operand even when it starts with "-".
    args.push('--', r.prompt);
    return args;
  },
  // SIGTERM over the whole tree reaches the native binary as well as its npm wrapper (SIGKILL of
  // the wrapper alone would leave the binary running).
  stop: [{ signal: 'SIGTERM', graceMs: 3000 }],
  contextWindow: () => DEFAULT_WINDOW,
  createParser: () => new CodexParser(),
};
