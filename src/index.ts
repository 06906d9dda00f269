/**
 * procward: run and supervise child processes.
 * This file is the package's only public entry; everything a host may use is exported here by name.
 */
export { ProcessManager, type ManagerEvents } from './registry/process-manager.js';
export type { ListFilter } from './registry/list-filter.js';
export type { ManagedProcess } from './process/managed-process.js'; // created only by pm.spawn()
export type { ProcessExit, ProcessInfo, ProcessEvents, OrphansFound, OutputLine, AttemptExit, RestartScheduled, IdleReport } from './process/types.js';
export type { WaitOptions, OutputWaitOptions } from './process/wait-for.js';
export { WaitFailedError, type WaitFailedReason } from './errors/wait-failed-error.js';
export { LineSplitter, type SplitterOptions } from './parsers/line-splitter.js';
export { stripAnsi } from './parsers/strip-ansi.js';
export { terminalLine, TerminalLine, MAX_CONTROL_STRING } from './parsers/terminal-line.js';
export {
  JsonLinesParser,
  parseJsonLines,
  type JsonLinesOptions,
  type JsonLinesEvents,
  type JsonLinesItem,
  type JsonValue,
  type InvalidLine,
  type OverflowLine,
} from './parsers/jsonl-parser.js';
export type { AgentLine } from './parsers/agent-message.js';
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
} from './parsers/claude-stream-json.js';
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
} from './parsers/codex-jsonl.js';
export type { Screen } from './pty/terminal-screen.js';
export type { ProcessMetrics, TreeMember } from './monitor/tree-metrics.js';
export type { CpuHigh } from './monitor/process-monitor.js';
export type { ManagerMetrics, MetricsTotals } from './monitor/aggregate.js';
export type { AgentRun, AgentRunEvents } from './agents/agent-run.js'; // created only by pm.spawnAgent()
export type { AgentAdapter, AgentLineParser, AgentRequest } from './agents/adapter.js';
export type { AgentSession, AgentHost } from './agents/agent-host.js';
export { SpawnAgentOptionsSchema, type SpawnAgentOptions, type ResumeAgentOptions } from './agents/agent-options.js';
export { claudeAdapter } from './agents/claude-adapter.js';
export { codexAdapter } from './agents/codex-adapter.js';
export type {
  AgentEvent,
  AgentMessage,
  AgentResult,
  AgentNotice,
  AgentInvalid,
  ToolCall,
  TokenCounts,
  UsageReport,
  RunUsage,
  ContextUsage,
} from './agents/agent-events.js';
export {
  OutputBuffer,
  type OutputChunk,
  type OutputStream,
  type ReadResult,
  type ReadOptions,
  type FollowOptions,
  type FollowedChunk,
  type OutputMark,
} from './output/output-buffer.js';
export {
  PROCESS_STATES,
  TERMINAL_STATES,
  TRANSITIONS,
  canTransition,
  isTerminal,
  type ProcessState,
  type StateChange,
  type StateReason,
  type StopReason,
  type ExitReason,
  STOP_REASONS,
} from './state-machine/states.js';
export {
  ManagerOptionsSchema,
  SpawnOptionsSchema,
  StopOptionsSchema,
  StopStepSchema,
  OutputOptionsSchema,
  ScopeSchema,
  ListFilterSchema,
  SignalNameSchema,
  type ManagerOptions,
  type SpawnOptions,
  type StopOptions,
  type StopStep,
  type OutputOptions,
  type OrphanPolicy,
  type Scope,
  type ProcessType,
  type SignalName,
  type PtyOptions,
  PtyOptionsSchema,
  type MetricsOptions,
  MetricsOptionsSchema,
  type BackoffOptions,
  BackoffOptionsSchema,
  type AdmissionOptions,
  AdmissionOptionsSchema,
} from './options/schemas.js';
export { MAX_TIMER_MS } from './options/values.js';
export type { RestartMode } from './restart/restart-policy.js';
export type { AdmissionEvent } from './admission/admission-gate.js';
export type { HostLoad } from './admission/host-load.js';
export type { RecoveryReport, LostProcess } from './ledger/recover.js';
export type { LedgerEntry } from './ledger/ledger-schema.js';
export { LEDGER_MAX_BYTES } from './ledger/ledger-file.js';
export { readSpool, followSpool, type SpoolReadOptions, type SpoolReadResult, type SpoolChunk, type FollowSpoolOptions } from './spool/spool-reader.js';
export { DEFAULTS } from './options/defaults.js';
export { ErrorCode } from './errors/codes.js';
export {
  ProcwardError,
  isProcwardError,
  InvalidOptionsError,
  SpawnFailedError,
  NotRunningError,
  NotFoundError,
  LimitReachedError,
  ShuttingDownError,
  InvalidTransitionError,
  StopFailedError,
  NotSupportedError,
  StdinUnavailableError,
  StdinFailedError,
  ListenerError,
  LedgerCorruptError,
  type OptionIssue,
  type SpawnFailureKind,
  type Survivor,
} from './errors/procward-error.js';
export { PtyUnavailableError, type PtyUnavailableReason } from './errors/pty-unavailable-error.js';
export { AgentResultError, AgentExitError, AgentStoppedError, SessionBusyError, SessionNotFoundError } from './agents/agent-errors.js';
export { TREE_ENV, MANAGER_ENV } from './tree/process-tree.js';
