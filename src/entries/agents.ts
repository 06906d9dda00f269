/**
 * `procward/agents`: agent runs (pm.agents) — the adapters, their event and option types, the
 * agent errors, and the Claude Code / Codex message schemas and line parsers.
 *
 * Subpath entries live here rather than as an index.ts in their concern's folder: src/index.ts is
 * the only barrel, so no file inside src/ can import a concern through a re-export list (which
 * would load all of it and invite cycles), and nothing inside src/ imports these entries.
 * The Claude and Codex schemas follow formats those CLIs own and change; they stay out of the
 * root so that tracking them never changes the core's surface.
 */
export { claudeAdapter } from '../agents/claude-adapter.js';
export { codexAdapter } from '../agents/codex-adapter.js';
export type { AgentAdapter, AgentLineParser, AgentRequest } from '../agents/adapter.js';
export type { AgentRun, AgentRunEvents } from '../agents/agent-run.js'; // created only by pm.agents.spawn()
export type { AgentHost, AgentSession } from '../agents/agent-host.js'; // pm.agents
export { SpawnAgentOptionsSchema, type SpawnAgentOptions, type ResumeAgentOptions } from '../agents/agent-options.js';
export type { AgentEvent, AgentMessage, AgentResult, AgentNotice, AgentInvalid, ToolCall, TokenCounts, UsageReport, RunUsage, ContextUsage } from '../agents/agent-events.js';
// Types only, as in the root: isProcwardError(e, 'AGENT_ERROR' | 'AGENT_EXITED' | 'AGENT_STOPPED' |
// 'SESSION_BUSY') narrows to them; SessionNotFoundError is the NOT_FOUND that has a `sessionId`.
export type { AgentResultError, AgentExitError, AgentStoppedError, SessionBusyError, SessionNotFoundError } from '../agents/agent-errors.js';
export type { AgentLine } from '../parsers/agent-message.js';
export {
  parseClaudeLine,
  ClaudeSystemSchema,
  ClaudeAssistantSchema,
  ClaudeUserSchema,
  ClaudeStreamEventSchema,
  ClaudeResultSchema,
  ClaudeContentBlockSchema,
  ClaudeUsageSchema,
  type ClaudeMessage,
  type ClaudeSystemMessage,
  type ClaudeAssistantMessage,
  type ClaudeUserMessage,
  type ClaudeStreamEvent,
  type ClaudeResultMessage,
  type ClaudeContentBlock,
  type ClaudeUsage,
} from '../parsers/claude-stream-json.js';
export {
  parseCodexLine,
  CodexThreadStartedSchema,
  CodexTurnStartedSchema,
  CodexItemEventSchema,
  CodexTurnCompletedSchema,
  CodexTurnFailedSchema,
  CodexErrorSchema,
  CodexItemSchema,
  CodexUsageSchema,
  type CodexEvent,
  type CodexItem,
  type CodexUsage,
} from '../parsers/codex-jsonl.js';
