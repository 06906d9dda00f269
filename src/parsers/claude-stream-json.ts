import { z } from 'zod';
import { classifyMessage, type AgentLine } from './agent-message.js';

/**
 * Claude Code's `--output-format stream-json --verbose` messages (with `--include-partial-messages`
 * for stream_event). Objects are loose: fields this library does not name pass through, so a newer
 * CLI adding fields breaks nothing; the fields named are checked.
 */

export const ClaudeUsageSchema = z.looseObject({
  input_tokens: z.number().optional(),
  output_tokens: z.number().optional(),
  cache_creation_input_tokens: z.number().optional(),
  cache_read_input_tokens: z.number().optional(),
});

export const ClaudeTextBlockSchema = z.looseObject({ type: z.literal('text'), text: z.string() });
export const ClaudeToolUseBlockSchema = z.looseObject({ type: z.literal('tool_use'), id: z.string(), name: z.string(), input: z.unknown() });
export const ClaudeToolResultBlockSchema = z.looseObject({
  type: z.literal('tool_result'),
  tool_use_id: z.string(),
  content: z.union([z.string(), z.array(z.unknown())]).optional(),
  is_error: z.boolean().optional(),
});
export const ClaudeThinkingBlockSchema = z.looseObject({ type: z.literal('thinking'), thinking: z.string() });
const OtherBlockSchema = z.looseObject({ type: z.string() });

/** A content block; kinds not named here (images, server tools, …) pass through with their type. */
export const ClaudeContentBlockSchema = z.union([
  ClaudeTextBlockSchema,
  ClaudeToolUseBlockSchema,
  ClaudeToolResultBlockSchema,
  ClaudeThinkingBlockSchema,
  OtherBlockSchema.refine((b) => !['text', 'tool_use', 'tool_result', 'thinking'].includes(b.type), {
    message: 'a text, tool_use, tool_result or thinking block with a malformed shape',
  }),
]);

export const ClaudeSystemSchema = z.looseObject({
  type: z.literal('system'),
  /** init, status, compact_boundary, api_retry, … */
  subtype: z.string(),
  session_id: z.string().optional(),
  model: z.string().optional(),
  cwd: z.string().optional(),
  tools: z.array(z.string()).optional(),
  claude_code_version: z.string().optional(),
});

export const ClaudeAssistantSchema = z.looseObject({
  type: z.literal('assistant'),
  message: z.looseObject({
    id: z.string(),
    role: z.literal('assistant'),
    model: z.string().optional(),
    content: z.array(ClaudeContentBlockSchema),
    usage: ClaudeUsageSchema.nullish(),
  }),
  session_id: z.string(),
  parent_tool_use_id: z.string().nullish(),
  /** Set on synthetic messages that report an API failure. */
  error: z.unknown().optional(),
});

export const ClaudeUserSchema = z.looseObject({
  type: z.literal('user'),
  message: z.looseObject({ role: z.literal('user'), content: z.union([z.string(), z.array(ClaudeContentBlockSchema)]) }),
  session_id: z.string(),
  parent_tool_use_id: z.string().nullish(),
});

export const ClaudeStreamEventSchema = z.looseObject({
  type: z.literal('stream_event'),
  /** The Messages API's streaming event: message_start, content_block_delta, … */
  event: z.looseObject({ type: z.string() }),
  session_id: z.string(),
  parent_tool_use_id: z.string().nullish(),
});

export const ClaudeResultSchema = z.looseObject({
  type: z.literal('result'),
  /** success, error_max_turns, error_during_execution, … (an API failure can be "success" with is_error). */
  subtype: z.string(),
  is_error: z.boolean(),
  session_id: z.string(),
  result: z.string().optional(),
  api_error_status: z.number().nullish(),
  duration_ms: z.number().optional(),
  duration_api_ms: z.number().optional(),
  num_turns: z.number().optional(),
  total_cost_usd: z.number().optional(),
  usage: ClaudeUsageSchema.optional(),
  /** Per model: tokens, cost and the model's context window. */
  modelUsage: z.record(z.string(), z.looseObject({ contextWindow: z.number().optional(), costUSD: z.number().optional() })).optional(),
});

export type ClaudeUsage = z.infer<typeof ClaudeUsageSchema>;
export type ClaudeContentBlock = z.infer<typeof ClaudeContentBlockSchema>;
export type ClaudeSystemMessage = z.infer<typeof ClaudeSystemSchema>;
export type ClaudeAssistantMessage = z.infer<typeof ClaudeAssistantSchema>;
export type ClaudeUserMessage = z.infer<typeof ClaudeUserSchema>;
export type ClaudeStreamEvent = z.infer<typeof ClaudeStreamEventSchema>;
export type ClaudeResultMessage = z.infer<typeof ClaudeResultSchema>;
export type ClaudeMessage = ClaudeSystemMessage | ClaudeAssistantMessage | ClaudeUserMessage | ClaudeStreamEvent | ClaudeResultMessage;

const CLAUDE_SCHEMAS: ReadonlyMap<string, z.ZodType> = new Map<string, z.ZodType>([
  ['system', ClaudeSystemSchema],
  ['assistant', ClaudeAssistantSchema],
  ['user', ClaudeUserSchema],
  ['stream_event', ClaudeStreamEventSchema],
  ['result', ClaudeResultSchema],
]);

/** Classifies one parsed line of Claude Code stream-json. */
export function parseClaudeLine(value: unknown): AgentLine<ClaudeMessage> {
  return classifyMessage<ClaudeMessage>(value, CLAUDE_SCHEMAS);
}
