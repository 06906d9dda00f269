import { SessionBusyError, SessionNotFoundError } from './agent-errors.js';
import { InvalidOptionsError } from '../errors/procward-error.js';
import { parseOptions, type SpawnOptions } from '../options/schemas.js';
import type { ManagedProcess } from '../process/managed-process.js';
import type { ProcessControl } from '../process/process-control.js';
import { isTerminal } from '../state-machine/states.js';
import type { AgentAdapter, AgentRequest } from './adapter.js';
import { SpawnAgentOptionsSchema, type ResumeAgentOptions, type SpawnAgentOptions } from './agent-options.js';
import { AgentRun } from './agent-run.js';
import { claudeAdapter } from './claude-adapter.js';
import { codexAdapter } from './codex-adapter.js';

/** A session as the manager knows it. */
export interface AgentSession {
  sessionId: string;
  agent: string;
  cwd: string;
  /** Process ids of its runs, oldest first. */
  runs: string[];
  /** A run of it is still going. */
  active: boolean;
}

function checkAdapter(a: AgentAdapter): void {
  const issues: { path: string; message: string }[] = [];
  if (typeof a?.name !== 'string' || a.name === '') issues.push({ path: 'name', message: 'must be a non-empty string' });
  if (typeof a?.bin !== 'string' || a.bin === '') issues.push({ path: 'bin', message: 'must be a non-empty string (the program to run)' });
  if (typeof a?.args !== 'function') issues.push({ path: 'args', message: 'must be a function (request) => string[]' });
  if (typeof a?.createParser !== 'function') issues.push({ path: 'createParser', message: 'must be a function returning { parse(value) }' });
  if (issues.length > 0) throw new InvalidOptionsError('agent adapter', issues);
}

/** What the manager hands back for a spawn made for an agent: the process and its activity report. */
export interface AgentProcess {
  process: ManagedProcess;
  control: Pick<ProcessControl, 'idleByEvents' | 'touch'>;
}

/**
 * The agent side of a manager, as `pm.agents`: adapters by name, agent runs, and the map from the
 * agents' session ids to their runs. Processes themselves are spawned (and queued, limited,
 * stopped) by the manager: an agent run's `process` is an ordinary one of its registry.
 */
export class AgentHost {
  readonly #adapters = new Map<string, AgentAdapter>([
    [claudeAdapter.name, claudeAdapter],
    [codexAdapter.name, codexAdapter],
  ]);
  readonly #runs = new Map<string, AgentRun>(); // by process id
  readonly #sessions = new Map<string, AgentRun[]>();
  /** What each run was started with, for resumeAgent to start the next one alike. */
  readonly #options = new WeakMap<AgentRun, SpawnAgentOptions>();

  readonly #spawnProcess: (options: SpawnOptions) => AgentProcess;

  /** @internal Created by its ProcessManager (`pm.agents`). */
  constructor(spawnProcess: (options: SpawnOptions) => AgentProcess) {
    this.#spawnProcess = spawnProcess;
  }

  /** Adds an adapter, or replaces one of the same name (the built-in ones included). */
  register(adapter: AgentAdapter): void {
    checkAdapter(adapter);
    this.#adapters.set(adapter.name, adapter);
  }

  get adapters(): string[] {
    return [...this.#adapters.keys()];
  }

  /**
   * Runs an agent CLI ('claude', 'codex' or a registered adapter) on a prompt: argv built by its
   * adapter (no shell), stdin ignored, stopped its way. The run's `process` is an ordinary
   * ManagedProcess in the manager's registry; the run adds typed events, session, usage and `result`.
   * Throws like pm.spawn() (INVALID_OPTIONS, LIMIT_REACHED, SHUTTING_DOWN), and SESSION_BUSY when
   * `resume` names a session that is still running.
   */
  spawn(options: SpawnAgentOptions): AgentRun {
    const o = parseOptions(SpawnAgentOptionsSchema, options, 'spawnAgent options');
    const adapter = this.#adapters.get(o.agent);
    if (!adapter) {
      throw new InvalidOptionsError('spawnAgent options', [{ path: 'agent', message: `no adapter named "${o.agent}" (registered: ${this.adapters.join(', ')}); add one with pm.agents.register()` }]);
    }
    if (o.resume) {
      const busy = this.#activeRun(o.resume);
      if (busy) throw new SessionBusyError(o.resume, busy.id);
    }
    // The agent's own fields build the command line; the rest are process options, passed on as is.
    const { agent: _agent, prompt, model, resume, partialMessages, extraArgs, bin, contextWindow, maxLineBytes, ...processOptions } = o;
    const request: AgentRequest = {
      prompt,
      cwd: o.cwd ?? process.cwd(),
      model,
      resume,
      partialMessages: partialMessages ?? false,
      extraArgs: extraArgs ?? [],
    };
    const { process: p, control } = this.#spawnProcess({
      ...processOptions,
      command: bin ?? adapter.bin,
      args: adapter.args(request),
      cwd: request.cwd,
      env: { ...adapter.env?.(request), ...o.env },
      stdin: o.stdin ?? 'ignore',
      label: o.label ?? adapter.name,
      type: 'command',
      metadata: { ...o.metadata, agent: adapter.name },
      stop: o.stop ?? (adapter.stop ? { sequence: adapter.stop.map((s) => ({ ...s })) } : undefined),
    });
    const run = new AgentRun(p, control, adapter, request, { contextWindow, maxLineBytes });
    this.#runs.set(p.id, run);
    this.#options.set(run, options);
    run.on('session', ({ sessionId }) => {
      const runs = this.#sessions.get(sessionId) ?? [];
      runs.push(run);
      this.#sessions.set(sessionId, runs);
    });
    return run;
  }

  /**
   * Continues a session this manager has run, with the same adapter, cwd and options (overridden
   * by `options`). Throws NOT_FOUND for a session it does not know and SESSION_BUSY while it runs.
   */
  resume(sessionId: string, prompt: string, options: ResumeAgentOptions = {}): AgentRun {
    const last = this.findBySession(sessionId);
    if (!last) throw new SessionNotFoundError(sessionId);
    // A signal and a timeout belong to the run they were given for.
    const { signal: _signal, timeoutMs: _timeout, ...base } = this.#options.get(last)!;
    return this.spawn({ ...base, cwd: last.request.cwd, ...options, agent: last.agent, prompt, resume: sessionId });
  }

  /** The agent run in a process, by process id. */
  get(processId: string): AgentRun | undefined {
    return this.#runs.get(processId);
  }

  /** The latest run of a session. */
  findBySession(sessionId: string): AgentRun | undefined {
    return this.#sessions.get(sessionId)?.at(-1);
  }

  /** Agent sessions whose runs are in the registry, with whether one is going. */
  sessions(): AgentSession[] {
    return [...this.#sessions].map(([sessionId, runs]) => ({
      sessionId,
      agent: runs.at(-1)!.agent,
      cwd: runs.at(-1)!.request.cwd,
      runs: runs.map((r) => r.id),
      active: runs.some((r) => !isTerminal(r.state)),
    }));
  }

  isSessionActive(sessionId: string): boolean {
    return this.#activeRun(sessionId) !== undefined;
  }

  /** @internal The process left the registry: its run goes too (a session with no run left is forgotten). */
  forget(processId: string): void {
    const run = this.#runs.get(processId);
    if (!run) return;
    this.#runs.delete(processId);
    if (!run.sessionId) return;
    const runs = this.#sessions.get(run.sessionId)?.filter((r) => r !== run) ?? [];
    if (runs.length > 0) this.#sessions.set(run.sessionId, runs);
    else this.#sessions.delete(run.sessionId);
  }

  #activeRun(sessionId: string): AgentRun | undefined {
    return this.#sessions.get(sessionId)?.find((r) => !isTerminal(r.state));
  }
}
