// A scripted stand-in for the Anthropic Messages API, enough for the real Claude Code CLI to run a turn.
import type { ServerResponse } from 'node:http';
import { estimateTokens, hex, json, type MockServer, sleep, splitText, sse, startServer } from './http.js';

export type { RecordedRequest, MockServer } from './http.js';

export interface AnthropicMessage {
  role: string;
  content: string | Array<Record<string, unknown>>;
}

export interface ToolResult {
  tool_use_id: string;
  content: string;
  is_error: boolean;
}

export interface AnthropicRequest {
  body: Record<string, unknown>;
  messages: AnthropicMessage[];
  /** The tool result the CLI sent back after the model's last tool_use, if this request carries one. */
  lastToolResult?: ToolResult;
  /** 0 for the first POST /v1/messages this mock received, 1 for the next, … */
  requestIndex: number;
}

export interface Usage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
}

export type AnthropicReply =
  | { text: string; deltas?: number; deltaDelayMs?: number; usage?: Partial<Usage> }
  | { toolUse: { name: string; input: Record<string, unknown> }; text?: string; usage?: Partial<Usage> }
  | { error: { status: number; type: string; message: string } };

export type AnthropicScript = (req: AnthropicRequest) => AnthropicReply | Promise<AnthropicReply>;

/** Every request answers with the same text. */
export const plainAnswer =
  (text: string): AnthropicScript =>
  () => ({ text });

/** Answers with the replies in order, repeating the last one. */
export const sequence =
  (...replies: AnthropicReply[]): AnthropicScript =>
  ({ requestIndex }) => {
    const reply = replies[Math.min(requestIndex, replies.length - 1)];
    if (!reply) throw new Error('sequence() needs at least one reply');
    return reply;
  };

/**
 * Asks for the Bash tool once (with an optional text block before it), then answers from the tool result.
 * Decided by whether the request carries a tool result rather than by request index, so the script also
 * works for a resumed session.
 */
export const bashThenAnswer =
  (command: string, answer: (result: ToolResult) => string = (r) => `The command ran. Output: ${r.content}`, preamble?: string): AnthropicScript =>
  ({ lastToolResult }) =>
    lastToolResult ? { text: answer(lastToolResult) } : { toolUse: { name: 'Bash', input: { command, description: 'Run a command' } }, ...(preamble ? { text: preamble } : {}) };

/** An API error answer, e.g. apiError(400, 'invalid_request_error', 'bad'). */
export const apiError = (status: number, type: string, message: string): AnthropicReply => ({ error: { status, type, message } });

function toolResultText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content.map((b) => (typeof b === 'object' && b !== null && 'text' in b ? String(b.text) : '')).join('');
  }
  return '';
}

/**
 * The tool result in the messages after the last assistant message. Looking only past that message keeps an
 * older turn's result (a resumed session) from being mistaken for a fresh one; scanning rather than taking the
 * last message copes with the CLI appending `system` messages after the result.
 */
export function findLastToolResult(messages: AnthropicMessage[]): ToolResult | undefined {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (!m || m.role === 'assistant') return undefined;
    if (!Array.isArray(m.content)) continue;
    for (let j = m.content.length - 1; j >= 0; j--) {
      const b = m.content[j];
      if (b?.type === 'tool_result') {
        return { tool_use_id: String(b.tool_use_id), content: toolResultText(b.content), is_error: b.is_error === true };
      }
    }
  }
  return undefined;
}

type Block = { type: 'text'; text: string } | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> };

function usageFor(body: unknown, blocks: Block[], override: Partial<Usage> | undefined): Usage {
  return {
    input_tokens: estimateTokens(body),
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    output_tokens: estimateTokens(blocks),
    ...override,
  };
}

async function streamMessage(res: ServerResponse, model: string, blocks: Block[], stopReason: string, usage: Usage, deltas: number, delayMs: number): Promise<void> {
  const id = `msg_${hex(12)}`;
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'request-id': `req_${hex(12)}` });
  const { output_tokens, ...inputUsage } = usage;
  sse(res, 'message_start', {
    type: 'message_start',
    message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { ...inputUsage, output_tokens: 1 } },
  });
  for (const [index, block] of blocks.entries()) {
    if (block.type === 'text') {
      sse(res, 'content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
      if (index === 0) sse(res, 'ping', { type: 'ping' });
      for (const [k, piece] of splitText(block.text, deltas).entries()) {
        if (k > 0 && delayMs > 0) await sleep(delayMs);
        if (!sse(res, 'content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text: piece } })) return;
      }
    } else {
      sse(res, 'content_block_start', { type: 'content_block_start', index, content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} } });
      for (const piece of splitText(JSON.stringify(block.input), 3)) {
        sse(res, 'content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: piece } });
      }
    }
    sse(res, 'content_block_stop', { type: 'content_block_stop', index });
  }
  sse(res, 'message_delta', { type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens } });
  sse(res, 'message_stop', { type: 'message_stop' });
  res.end();
}

/**
 * Starts the mock on 127.0.0.1. Point Claude Code at it with ANTHROPIC_BASE_URL=<url>.
 * `requests` records everything received, including anything answered 404.
 */
export async function startAnthropicMock(script: AnthropicScript): Promise<MockServer> {
  let requestIndex = 0;
  return startServer(async (req, rawBody, res, record) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const body = (typeof rawBody === 'object' && rawBody !== null ? rawBody : {}) as Record<string, unknown>;

    if (req.method === 'HEAD' && path === '/') {
      // The CLI probes the base URL before its first request.
      record.status = 200;
      record.reply = 'head';
      res.writeHead(200).end();
      return;
    }
    if (req.method === 'POST' && path === '/v1/messages/count_tokens') {
      record.status = 200;
      record.reply = 'count_tokens';
      json(res, 200, { input_tokens: estimateTokens(body.messages) });
      return;
    }
    if (req.method !== 'POST' || path !== '/v1/messages') {
      record.status = 404;
      record.reply = 'not_found';
      json(res, 404, { type: 'error', error: { type: 'not_found_error', message: `mock: no route ${req.method} ${path}` } });
      return;
    }

    const messages = Array.isArray(body.messages) ? (body.messages as AnthropicMessage[]) : [];
    const lastToolResult = findLastToolResult(messages);
    const reply = await script({ body, messages, requestIndex: requestIndex++, ...(lastToolResult ? { lastToolResult } : {}) });

    if ('error' in reply) {
      record.status = reply.error.status;
      record.reply = 'error';
      // x-should-retry: false tells the Anthropic client not to retry whatever its retry budget.
      json(
        res,
        reply.error.status,
        { type: 'error', error: { type: reply.error.type, message: reply.error.message } },
        {
          'request-id': `req_${hex(12)}`,
          'x-should-retry': 'false',
        },
      );
      return;
    }

    const blocks: Block[] = [];
    if (reply.text !== undefined && reply.text !== '') blocks.push({ type: 'text', text: reply.text });
    if ('toolUse' in reply) blocks.push({ type: 'tool_use', id: `toolu_${hex(12)}`, name: reply.toolUse.name, input: reply.toolUse.input });
    if (blocks.length === 0) blocks.push({ type: 'text', text: '' });
    const stopReason = 'toolUse' in reply ? 'tool_use' : 'end_turn';
    const usage = usageFor(body, blocks, reply.usage);
    const model = typeof body.model === 'string' ? body.model : 'claude-mock';
    record.status = 200;
    record.reply = 'toolUse' in reply ? 'tool_use' : 'text';
    record.usage = { ...usage };

    if (body.stream === true) {
      const deltas = 'deltas' in reply ? (reply.deltas ?? 3) : 3;
      const delayMs = 'deltaDelayMs' in reply ? (reply.deltaDelayMs ?? 0) : 0;
      await streamMessage(res, model, blocks, stopReason, usage, deltas, delayMs);
    } else {
      json(
        res,
        200,
        { id: `msg_${hex(12)}`, type: 'message', role: 'assistant', model, content: blocks, stop_reason: stopReason, stop_sequence: null, usage },
        {
          'request-id': `req_${hex(12)}`,
        },
      );
    }
  });
}
