import { z } from 'zod';
import { classifyMessage, type AgentLine } from './agent-message.js';

/**
 * Codex CLI `exec --json` events. Objects are loose (unnamed fields pass through); item kinds not
 * named here pass through with their `type`.
 */

export const CodexUsageSchema = z.looseObject({
  input_tokens: z.number(),
  cached_input_tokens: z.number().optional(),
  output_tokens: z.number(),
  reasoning_output_tokens: z.number().optional(),
});

export const CodexAgentMessageItemSchema = z.looseObject({ id: z.string(), type: z.literal('agent_message'), text: z.string() });
export const CodexReasoningItemSchema = z.looseObject({ id: z.string(), type: z.literal('reasoning'), text: z.string() });
export const CodexCommandItemSchema = z.looseObject({
  id: z.string(),
  type: z.literal('command_execution'),
  command: z.string(),
  aggregated_output: z.string().optional(),
  exit_code: z.number().nullish(),
  /** in_progress, completed, failed, declined */
  status: z.string(),
});
export const CodexFileChangeItemSchema = z.looseObject({ id: z.string(), type: z.literal('file_change'), changes: z.array(z.unknown()), status: z.string() });
export const CodexMcpToolCallItemSchema = z.looseObject({ id: z.string(), type: z.literal('mcp_tool_call'), server: z.string(), tool: z.string(), status: z.string() });
export const CodexErrorItemSchema = z.looseObject({ id: z.string(), type: z.literal('error'), message: z.string() });
const KNOWN_ITEMS = ['agent_message', 'reasoning', 'command_execution', 'file_change', 'mcp_tool_call', 'error'];

export const CodexItemSchema = z.union([
  CodexAgentMessageItemSchema,
  CodexReasoningItemSchema,
  CodexCommandItemSchema,
  CodexFileChangeItemSchema,
  CodexMcpToolCallItemSchema,
  CodexErrorItemSchema,
  z.looseObject({ id: z.string(), type: z.string() }).refine((i) => !KNOWN_ITEMS.includes(i.type), { message: 'a known item kind with a malformed shape' }),
]);

export const CodexThreadStartedSchema = z.looseObject({ type: z.literal('thread.started'), thread_id: z.string() });
export const CodexTurnStartedSchema = z.looseObject({ type: z.literal('turn.started') });
export const CodexItemEventSchema = z.looseObject({
  type: z.enum(['item.started', 'item.updated', 'item.completed']),
  item: CodexItemSchema,
});
export const CodexTurnCompletedSchema = z.looseObject({ type: z.literal('turn.completed'), usage: CodexUsageSchema });
export const CodexTurnFailedSchema = z.looseObject({ type: z.literal('turn.failed'), error: z.looseObject({ message: z.string() }) });
export const CodexErrorSchema = z.looseObject({ type: z.literal('error'), message: z.string() });

export type CodexUsage = z.infer<typeof CodexUsageSchema>;
export type CodexItem = z.infer<typeof CodexItemSchema>;
export type CodexEvent =
  | z.infer<typeof CodexThreadStartedSchema>
  | z.infer<typeof CodexTurnStartedSchema>
  | z.infer<typeof CodexItemEventSchema>
  | z.infer<typeof CodexTurnCompletedSchema>
  | z.infer<typeof CodexTurnFailedSchema>
  | z.infer<typeof CodexErrorSchema>;

const CODEX_SCHEMAS: ReadonlyMap<string, z.ZodType> = new Map<string, z.ZodType>([
  ['thread.started', CodexThreadStartedSchema],
  ['turn.started', CodexTurnStartedSchema],
  ['item.started', CodexItemEventSchema],
  ['item.updated', CodexItemEventSchema],
  ['item.completed', CodexItemEventSchema],
  ['turn.completed', CodexTurnCompletedSchema],
  ['turn.failed', CodexTurnFailedSchema],
  ['error', CodexErrorSchema],
]);

/** Classifies one parsed line of Codex `exec --json` output. */
export function parseCodexLine(value: unknown): AgentLine<CodexEvent> {
  return classifyMessage<CodexEvent>(value, CODEX_SCHEMAS);
}
