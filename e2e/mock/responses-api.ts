// A scripted stand-in for the OpenAI Responses API, enough for the real Codex CLI (`codex exec`) to run a turn.
import type { ServerResponse } from 'node:http';
import { estimateTokens, hex, json, type MockServer, sleep, splitText, sse, startServer } from './http.js';

export type { RecordedRequest, MockServer } from './http.js';

export type InputItem = Record<string, unknown> & { type?: string };

export interface ToolOutput {
  call_id: string;
  /** Output text as Codex sent it (for its code-mode `exec` tool: "Script completed\nWall time …\nOutput:\n…"). */
  output: string;
  /** The same without code mode's status header: just what the command printed. */
  text: string;
}

export interface ResponsesRequest {
  body: Record<string, unknown>;
  input: InputItem[];
  /** The tool output Codex sent back after the model's last tool call, if this request carries one. */
  lastToolOutput?: ToolOutput;
  /** 0 for the first POST /v1/responses this mock received, 1 for the next, … */
  requestIndex: number;
}

export interface ResponsesUsage {
  input_tokens: number;
  cached_input_tokens: number;
  output_tokens: number;
  reasoning_tokens: number;
}

export type ResponsesReply =
  | { text: string; deltas?: number; deltaDelayMs?: number; usage?: Partial<ResponsesUsage> }
  | { shell: { command: string }; text?: string; usage?: Partial<ResponsesUsage> }
  | { error: { status: number; type: string; message: string } };

export type ResponsesScript = (req: ResponsesRequest) => ResponsesReply | Promise<ResponsesReply>;

export const plainAnswer =
  (text: string): ResponsesScript =>
  () => ({ text });

/** Answers with the replies in order, repeating the last one. */
export const sequence =
  (...replies: ResponsesReply[]): ResponsesScript =>
  ({ requestIndex }) => {
    const reply = replies[Math.min(requestIndex, replies.length - 1)];
    if (!reply) throw new Error('sequence() needs at least one reply');
    return reply;
  };

/** Runs one shell command (after an optional message), then answers from its output; keyed on the tool output, so it also works on resume. */
export const shellThenAnswer =
  (command: string, answer: (out: ToolOutput) => string = (o) => `The command ran. Output: ${o.text.trim()}`, preamble?: string): ResponsesScript =>
  ({ lastToolOutput }) =>
    lastToolOutput ? { text: answer(lastToolOutput) } : { shell: { command }, ...(preamble ? { text: preamble } : {}) };

export const apiError = (status: number, type: string, message: string): ResponsesReply => ({ error: { status, type, message } });

// Code mode answers with a status part ("Script completed\nWall time …\nOutput:\n") followed by the script's text() parts.
const CODE_MODE_HEADER = /^Script [a-z ]+\nWall time [^\n]*\nOutput:\n/;

function toolOutput(callId: unknown, output: unknown): ToolOutput {
  const parts = Array.isArray(output)
    ? output.map((p) => (typeof p === 'object' && p !== null && 'text' in p ? String(p.text) : ''))
    : [typeof output === 'string' ? output : JSON.stringify(output ?? '')];
  const joined = parts.join('');
  return { call_id: String(callId), output: joined, text: joined.replace(CODE_MODE_HEADER, '') };
}

/** The newest tool output, unless a user message follows it (then this request starts a new prompt, e.g. on resume). */
export function findLastToolOutput(input: InputItem[]): ToolOutput | undefined {
  for (let i = input.length - 1; i >= 0; i--) {
    const item = input[i];
    if (!item) continue;
    if (item.type === 'function_call_output' || item.type === 'custom_tool_call_output') {
      return toolOutput(item.call_id, item.output);
    }
    if (item.type === 'message' && item.role === 'user') return undefined;
  }
  return undefined;
}

/** Names of every tool offered, both in `tools` and in `additional_tools` input items, namespaces flattened. */
function toolNames(body: Record<string, unknown>, input: InputItem[]): Set<string> {
  const names = new Set<string>();
  const walk = (tools: unknown): void => {
    if (!Array.isArray(tools)) return;
    for (const t of tools as Array<Record<string, unknown>>) {
      if (t.type === 'namespace') walk(t.tools);
      else if (typeof t.name === 'string') names.add(t.name);
    }
  };
  walk(body.tools);
  for (const item of input) if (item.type === 'additional_tools') walk(item.tools);
  return names;
}

/**
 * A model call of Codex's shell in whichever form this request offers it. Codex 0.169's default model gets
 * "code mode": one freeform `exec` tool taking JavaScript, whose nested tools.exec_command runs the shell.
 */
function shellCallItem(names: Set<string>, command: string): Record<string, unknown> {
  const id = hex(12);
  if (names.has('exec')) {
    const js = `const r = await tools.exec_command({ cmd: ${JSON.stringify(command)} });\ntext(r.output);`;
    return { type: 'custom_tool_call', id: `ctc_${id}`, call_id: `call_${id}`, name: 'exec', input: js, status: 'completed' };
  }
  if (names.has('exec_command')) {
    return { type: 'function_call', id: `fc_${id}`, call_id: `call_${id}`, name: 'exec_command', arguments: JSON.stringify({ cmd: command }), status: 'completed' };
  }
  return {
    type: 'function_call',
    id: `fc_${id}`,
    call_id: `call_${id}`,
    name: 'shell',
    arguments: JSON.stringify({ command: ['bash', '-lc', command] }),
    status: 'completed',
  };
}

function messageItem(text: string): Record<string, unknown> {
  return { type: 'message', id: `msg_${hex(12)}`, role: 'assistant', status: 'completed', content: [{ type: 'output_text', text, annotations: [] }] };
}

async function streamResponse(res: ServerResponse, body: Record<string, unknown>, items: Array<Record<string, unknown>>, usage: ResponsesUsage, deltas: number, delayMs: number): Promise<void> {
  const id = `resp_${hex(12)}`;
  const model = typeof body.model === 'string' ? body.model : 'mock';
  const base = { id, object: 'response', created_at: Math.floor(Date.now() / 1000), model };
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-request-id': `req_${hex(12)}` });
  let seq = 0;
  const send = (type: string, data: Record<string, unknown>): boolean => sse(res, type, { type, sequence_number: seq++, ...data });
  send('response.created', { response: { ...base, status: 'in_progress', output: [] } });
  for (const [output_index, item] of items.entries()) {
    if (item.type === 'message') {
      const text = String((item.content as Array<{ text: string }>)[0]?.text ?? '');
      send('response.output_item.added', { output_index, item: { ...item, status: 'in_progress', content: [] } });
      send('response.content_part.added', { item_id: item.id, output_index, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } });
      for (const [k, delta] of splitText(text, deltas).entries()) {
        if (k > 0 && delayMs > 0) await sleep(delayMs);
        if (!send('response.output_text.delta', { item_id: item.id, output_index, content_index: 0, delta })) return;
      }
      send('response.output_text.done', { item_id: item.id, output_index, content_index: 0, text });
      send('response.content_part.done', { item_id: item.id, output_index, content_index: 0, part: { type: 'output_text', text, annotations: [] } });
    } else {
      send('response.output_item.added', { output_index, item: { ...item, status: 'in_progress' } });
    }
    send('response.output_item.done', { output_index, item });
  }
  send('response.completed', {
    response: {
      ...base,
      status: 'completed',
      output: items,
      usage: {
        input_tokens: usage.input_tokens,
        input_tokens_details: { cached_tokens: usage.cached_input_tokens },
        output_tokens: usage.output_tokens,
        output_tokens_details: { reasoning_tokens: usage.reasoning_tokens },
        total_tokens: usage.input_tokens + usage.output_tokens,
      },
    },
  });
  res.end();
}

/**
 * Starts the mock on 127.0.0.1. Codex's provider base_url is `<url>/v1`.
 * `requests` records everything received, including anything answered 404.
 */
export async function startResponsesMock(script: ResponsesScript): Promise<MockServer> {
  let requestIndex = 0;
  return startServer(async (req, rawBody, res, record) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const body = (typeof rawBody === 'object' && rawBody !== null ? rawBody : {}) as Record<string, unknown>;

    if (req.method === 'GET' && path === '/v1/models') {
      // Codex may refresh its model list from the provider; an empty list makes it keep its built-in one.
      record.status = 200;
      record.reply = 'models';
      json(res, 200, { object: 'list', data: [], models: [] });
      return;
    }
    if (req.method !== 'POST' || path !== '/v1/responses') {
      record.status = 404;
      record.reply = 'not_found';
      json(res, 404, { error: { message: `mock: no route ${req.method} ${path}`, type: 'invalid_request_error', param: null, code: 'not_found' } });
      return;
    }

    const input = Array.isArray(body.input) ? (body.input as InputItem[]) : [];
    const lastToolOutput = findLastToolOutput(input);
    const reply = await script({ body, input, requestIndex: requestIndex++, ...(lastToolOutput ? { lastToolOutput } : {}) });

    if ('error' in reply) {
      record.status = reply.error.status;
      record.reply = 'error';
      json(
        res,
        reply.error.status,
        { error: { message: reply.error.message, type: reply.error.type, param: null, code: 'mock_error' } },
        {
          'x-request-id': `req_${hex(12)}`,
        },
      );
      return;
    }

    const items: Array<Record<string, unknown>> = [];
    if (reply.text !== undefined && reply.text !== '') items.push(messageItem(reply.text));
    if ('shell' in reply) items.push(shellCallItem(toolNames(body, input), reply.shell.command));
    if (items.length === 0) items.push(messageItem(''));
    const usage: ResponsesUsage = {
      input_tokens: estimateTokens(body),
      cached_input_tokens: 0,
      output_tokens: estimateTokens(items),
      reasoning_tokens: 0,
      ...reply.usage,
    };
    record.status = 200;
    record.reply = 'shell' in reply ? 'shell' : 'text';
    record.usage = { ...usage };
    const deltas = 'deltas' in reply ? (reply.deltas ?? 3) : 3;
    const delayMs = 'deltaDelayMs' in reply ? (reply.deltaDelayMs ?? 0) : 0;
    await streamResponse(res, body, items, usage, deltas, delayMs);
  });
}
