import { AgentExitError, AgentResultError, AgentStoppedError } from './agent-errors.js';
import { ProcwardError, SpawnFailedError } from '../errors/procward-error.js';
import { SafeEmitter } from '../events/safe-emitter.js';
import { deferred, handled } from '../internal/deferred.js';
import type { StopOptions } from '../options/schemas.js';
import type { ProcessControl } from '../process/process-control.js';
import { JsonLinesParser } from '../parsers/jsonl-parser.js';
import type { ManagedProcess } from '../process/managed-process.js';
import type { ProcessExit } from '../process/types.js';
import { isStopReason, type ProcessState, type StopReason } from '../state-machine/states.js';
import type { AgentEvent, AgentInvalid, AgentMessage, AgentNotice, AgentResult, ContextUsage, RunUsage, ToolCall } from './agent-events.js';
import type { AgentAdapter, AgentRequest } from './adapter.js';
import { UsageTracker } from './usage-tracker.js';

export interface AgentRunEvents {
  /** The agent's session id, as soon as it prints it. */
  session: [session: { sessionId: string; resumed: boolean }];
  /** Assistant text: whole blocks, and streamed pieces when partial messages are on. */
  message: [message: AgentMessage];
  /** A tool use, then its result (same id). */
  tool: [tool: ToolCall];
  /** Tokens, cost and context use so far. */
  usage: [usage: RunUsage];
  result: [result: AgentResult];
  notice: [notice: AgentNotice];
  invalid: [invalid: AgentInvalid];
  /** Every JSON value the agent printed, as is: message types this library does not know included. */
  raw: [value: unknown];
  /** The process ended; every event of the run came before this. */
  exit: [exit: ProcessExit];
  error: [error: ProcwardError];
}

export interface AgentRunSettings {
  /** Overrides the adapter's and the agent's idea of the context window. */
  contextWindow: number | undefined;
  maxLineBytes: number | undefined;
}

/**
 * One run of an agent CLI: the ManagedProcess it runs in (`process`: registry, scopes, output,
 * whole-tree stop) plus the agent's output as typed events, its session, usage and result.
 */
export class AgentRun extends SafeEmitter<AgentRunEvents> {
  readonly process: ManagedProcess;
  /** The adapter's name. */
  readonly agent: string;
  readonly request: Readonly<AgentRequest>;
  /**
   * The agent's result, or a typed error saying why there is none: AgentResultError (the agent's
   * own error result), AgentExitError (it exited or died without one), AgentStoppedError (the
   * library stopped it), SpawnFailedError (it never started). Never rejects unhandled.
   */
  readonly result: Promise<AgentResult>;

  readonly #adapter: AgentAdapter;
  readonly #settings: AgentRunSettings;
  readonly #usage: UsageTracker;
  readonly #tools = new Map<string, { name: string; input: unknown; at: number }>();
  readonly #settle = deferred<AgentResult>();
  #sessionId: string | undefined;
  #model: string | undefined;
  #result: AgentResult | undefined;
  /** Set when the library starts stopping the run: a result printed after it is a stop's result. */
  #stopReason: StopReason | undefined;
  #stoppedResult: AgentResult | null = null;
  #spawnError: unknown;
  #lastUsage = '';

  /** @internal Use pm.agents.spawn. `activity` reports parsed events to the process's idle watch. */
  constructor(process: ManagedProcess, activity: Pick<ProcessControl, 'idleByEvents' | 'touch'>, adapter: AgentAdapter, request: AgentRequest, settings: AgentRunSettings) {
    super();
    this.process = process;
    this.agent = adapter.name;
    this.request = request;
    this.#adapter = adapter;
    this.#settings = settings;
    this.#model = request.model;
    this.#usage = new UsageTracker(() => this.#settings.contextWindow ?? this.#adapter.contextWindow?.(this.#model));
    this.result = handled(this.#settle.promise);

    // For an agent, being alive means printing events: keep-alive noise does not count.
    activity.idleByEvents();
    const parser = new JsonLinesParser({ maxLineBytes: settings.maxLineBytes, terminal: process.info.pty !== null });
    const lineParser = adapter.createParser(request);
    parser.on('value', ({ value }) => {
      this.emit('raw', value);
      let events: AgentEvent[];
      try {
        events = lineParser.parse(value);
      } catch (err) {
        // A host's adapter that throws must not take the run down: the line is reported instead.
        events = [{ type: 'invalid', invalid: { error: `the ${adapter.name} adapter failed on a line: ${(err as Error)?.message ?? err}`, excerpt: '' } }];
      }
      if (events.length > 0) activity.touch();
      for (const e of events) this.#apply(e);
    });
    parser.on('invalid', (i) => this.emit('invalid', { error: `line ${i.line} is not JSON: ${i.error}`, excerpt: i.excerpt }));
    parser.on('overflow', (o) => this.emit('invalid', { error: `line ${o.line} (${o.bytes} bytes) is longer than maxLineBytes and was skipped`, excerpt: '' }));

    process.on('output', (chunk) => {
      if (chunk.stream !== 'stderr') parser.write(chunk.data);
    });
    process.on('state', (change) => {
      if (change.to === 'stopping' && isStopReason(change.reason)) this.#stopReason ??= change.reason;
    });
    process.started.catch((err: unknown) => {
      this.#spawnError = err;
    });
    // Every chunk reaches 'output' before the process resolves `exited`, so the parser has all of it.
    void process.exited
      .then((exit) => {
        parser.end();
        this.#finish(exit);
        this.emit('exit', exit);
      })
      .catch((err: unknown) =>
        this.emit('error', new ProcwardError('INTERNAL_FAILED', `procward's end of agent run ${process.id} failed: ${(err as Error)?.message ?? String(err)}`, { cause: err, processId: process.id })),
      );
  }

  get id(): string {
    return this.process.id;
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  get state(): ProcessState {
    return this.process.state;
  }

  /** The agent's session id, once it has printed it. */
  get sessionId(): string | undefined {
    return this.#sessionId;
  }

  get usage(): RunUsage {
    return this.#usage.usage;
  }

  /** How full the model's context window is; null until the agent has reported usage. */
  get contextUsage(): ContextUsage | null {
    return this.#usage.context;
  }

  /** Stops the run the agent's way (its adapter's stop sequence), then SIGKILL, over the whole tree. */
  stop(options?: StopOptions): Promise<ProcessExit> {
    return this.process.stop(options);
  }

  kill(): Promise<ProcessExit> {
    return this.process.kill();
  }

  #apply(e: AgentEvent): void {
    switch (e.type) {
      case 'session':
        if (e.model) this.#model = e.model;
        if (e.sessionId !== this.#sessionId) {
          this.#sessionId = e.sessionId;
          this.emit('session', { sessionId: e.sessionId, resumed: e.sessionId === this.request.resume });
        }
        return;
      case 'message':
        this.emit('message', e.message);
        return;
      case 'tool-use':
        this.#tools.set(e.id, { name: e.name, input: e.input, at: performance.now() });
        this.emit('tool', { phase: 'use', id: e.id, name: e.name, input: e.input, parentToolUseId: e.parentToolUseId });
        return;
      case 'tool-result': {
        const use = this.#tools.get(e.id);
        this.#tools.delete(e.id);
        this.emit('tool', {
          phase: 'result',
          id: e.id,
          name: use?.name ?? 'unknown',
          input: use?.input,
          output: e.output,
          isError: e.isError,
          exitCode: e.exitCode,
          durationMs: use ? Math.round((performance.now() - use.at) * 1000) / 1000 : null,
        });
        return;
      }
      case 'usage':
        this.#usage.report(e.usage);
        this.#emitUsage();
        return;
      case 'result':
        this.#usage.finish(e.result);
        if (this.#stopReason === undefined) this.#result = e.result;
        else this.#stoppedResult = e.result;
        this.#emitUsage();
        this.emit('result', e.result);
        return;
      case 'notice':
        this.emit('notice', e.notice);
        return;
      case 'invalid':
        this.emit('invalid', e.invalid);
        return;
    }
  }

  /** Emits usage when it changed: a CLI repeats a call's counts on every content block. */
  #emitUsage(): void {
    const usage = this.#usage.usage;
    const key = JSON.stringify(usage);
    if (key === this.#lastUsage) return;
    this.#lastUsage = key;
    this.emit('usage', usage);
  }

  #finish(exit: ProcessExit): void {
    const id = this.process.id;
    const name = this.agent;
    if (exit.reason === 'spawn-error') {
      const cause = this.#spawnError;
      const kind = cause instanceof SpawnFailedError ? cause.kind : 'other';
      const hint =
        kind === 'command-not-found' ? ` Install it${this.#adapter.installHint ? ` (${this.#adapter.installHint})` : ''} or pass spawnAgent's bin option with the path to the ${name} program.` : '';
      const why = cause instanceof Error ? cause.message : (exit.error?.message ?? 'spawn failed');
      this.#settle.reject(new SpawnFailedError(`Cannot start the ${name} agent (${this.process.info.command}): ${why}${hint}`, kind, { processId: id, cause }));
      return;
    }
    const result = this.#result;
    if (result) {
      if (result.isError) this.#settle.reject(new AgentResultError(name, result, exit, id));
      else this.#settle.resolve(result);
      return;
    }
    if (isStopReason(exit.reason)) {
      this.#settle.reject(new AgentStoppedError(name, exit.reason, exit, this.#stoppedResult, id));
      return;
    }
    this.#settle.reject(new AgentExitError(name, exit, id));
  }
}
