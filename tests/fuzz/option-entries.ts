/**
 * The public entries that take options, with the keys each knows and plausible values for them,
 * for the options fuzz. Accepted objects must never run anything but `true`: the command, the
 * agent's bin, a shell and a stateDir are generated apart from the hostile values and made safe.
 */
import { tmpdir } from 'node:os';
import fc from 'fast-check';

const signalName = fc.constantFrom('SIGTERM', 'SIGINT', 'SIGHUP', 'SIGKILL', 'SIGUSR1', 'SIGCONT');
const ms = fc.integer({ min: 0, max: 2000 });
const smallPositive = fc.integer({ min: 1, max: 100_000 });
const scope = fc.record({ kind: fc.constantFrom('task', 'mission', ''), id: fc.constantFrom('1', '2', '') });

export const STOP_PLAUSIBLE = {
  signal: signalName,
  graceMs: ms,
  sequence: fc.array(fc.record({ signal: signalName, graceMs: ms, target: fc.constantFrom('tree', 'leader') }, { requiredKeys: ['signal', 'graceMs'] }), { maxLength: 3 }),
};
export const STOP_KEYS = Object.keys(STOP_PLAUSIBLE);
export const stopOptions = fc.record(STOP_PLAUSIBLE, { requiredKeys: [] });

/** Keys every process takes (spawn and spawnAgent). */
const PROCESS_PLAUSIBLE = {
  cwd: fc.constantFrom('/', tmpdir(), '/nonexistent-procward-fuzz'),
  env: fc.dictionary(fc.constantFrom('FUZZ_A', 'FUZZ_B', 'A=B', ''), fc.oneof(fc.string({ maxLength: 8 }), fc.constant(undefined)), { maxKeys: 2 }),
  inheritEnv: fc.boolean(),
  label: fc.string({ maxLength: 8 }),
  scope,
  metadata: fc.oneof(fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }), fc.constant({ n: 1n }), fc.constant({ x: Number.NaN })),
  timeoutMs: smallPositive,
  signal: fc.constantFrom('live', 'aborted').map((s) => (s === 'live' ? new AbortController().signal : AbortSignal.abort())),
  stdin: fc.constantFrom('pipe', 'ignore'),
  output: fc.record({ maxBytes: smallPositive }),
  stop: stopOptions,
  metrics: fc.oneof(fc.boolean(), fc.record({ intervalMs: fc.integer({ min: 50, max: 5000 }) })),
  maxMemoryBytes: fc.integer({ min: 1, max: 2 ** 40 }),
  maxCpuPercent: fc.integer({ min: 1, max: 400 }),
  cpuWindowMs: smallPositive,
  idleTimeoutMs: smallPositive,
  onIdle: fc.constantFrom('stop', 'event'),
};

export const SPAWN_PLAUSIBLE = {
  ...PROCESS_PLAUSIBLE,
  args: fc.array(fc.string({ maxLength: 6 }), { maxLength: 3 }),
  shell: fc.boolean(),
  type: fc.constantFrom('command', 'service'),
  pty: fc.oneof(fc.boolean(), fc.record({ cols: fc.integer({ min: 0, max: 300 }), rows: fc.integer({ min: 0, max: 100 }), encoding: fc.constantFrom('utf8', null) }, { requiredKeys: [] })),
  orphans: fc.constantFrom('kill', 'keep'),
  drainMs: ms,
  priority: fc.integer({ min: -5, max: 5 }),
  restart: fc.constantFrom('never', 'on-failure', 'always'),
  maxRestarts: fc.integer({ min: 1, max: 5 }),
  restartWindowMs: smallPositive,
  minUptimeMs: ms,
  backoff: fc.record(
    { initialMs: ms, factor: fc.double({ min: 1, max: 3, noNaN: true }), maxMs: fc.integer({ min: 1, max: 5000 }), jitter: fc.double({ min: 0, max: 1, noNaN: true }) },
    { requiredKeys: [] },
  ),
  persist: fc.boolean(),
};
export const SPAWN_KEYS = ['command', ...Object.keys(SPAWN_PLAUSIBLE)];

export const AGENT_PLAUSIBLE = {
  ...PROCESS_PLAUSIBLE,
  agent: fc.constantFrom('claude', 'codex', 'nope'),
  prompt: fc.string({ maxLength: 10 }),
  model: fc.constantFrom('m', ''),
  resume: fc.constantFrom('session-1', ''),
  partialMessages: fc.boolean(),
  extraArgs: fc.array(fc.string({ maxLength: 6 }), { maxLength: 2 }),
  contextWindow: smallPositive,
  maxLineBytes: fc.oneof(smallPositive, fc.constant(Number.NaN)),
};
export const AGENT_KEYS = ['bin', ...Object.keys(AGENT_PLAUSIBLE)];

export const MANAGER_PLAUSIBLE = {
  stateDir: fc.constant('<tmp>'),
  spool: fc.record({ maxBytes: fc.integer({ min: 0, max: 1 << 20 }) }),
  admission: fc.record(
    { maxHostMemoryPercent: fc.integer({ min: 0, max: 100 }), maxHostCpuPercent: fc.integer({ min: 0, max: 100 }), pollMs: fc.integer({ min: 10, max: 2000 }) },
    { requiredKeys: [] },
  ),
  metrics: fc.record({ intervalMs: fc.integer({ min: 10, max: 5000 }) }),
  maxConcurrent: fc.integer({ min: 0, max: 8 }),
  maxProcesses: fc.integer({ min: 0, max: 8 }),
  retainExited: fc.integer({ min: -1, max: 8 }),
  output: fc.record({ maxBytes: smallPositive }),
  stop: stopOptions,
  orphans: fc.constantFrom('kill', 'keep'),
  drainMs: ms,
  killTimeoutMs: ms,
  stderrTailBytes: ms,
  killOnHostExit: fc.boolean(),
  watchdog: fc.boolean(),
  pdeathsig: fc.boolean(),
};
export const MANAGER_KEYS = Object.keys(MANAGER_PLAUSIBLE);

export const LIST_PLAUSIBLE = {
  state: fc.oneof(fc.constantFrom('running', 'runing', 'completed', 'queued'), fc.array(fc.constantFrom('running', 'failed', 'done'), { maxLength: 2 })),
  scope: fc.record({ kind: fc.constantFrom('task', 'mission'), id: fc.constantFrom('1', '2') }, { requiredKeys: [] }),
  type: fc.constantFrom('command', 'service', 'daemon'),
  label: fc.string({ maxLength: 4 }),
};
export const LIST_KEYS = Object.keys(LIST_PLAUSIBLE);

/** A command that is `true` or certainly not runnable (so a hostile value never runs a program). */
export const safeCommand: fc.Arbitrary<unknown> = fc.oneof({ weight: 8, arbitrary: fc.constant('true') }, { weight: 1, arbitrary: fc.constantFrom('', 'tr\0ue', undefined, null, 5, ['true'], {}) });

const isOsString = (v: unknown): v is string => typeof v === 'string' && v !== '' && !v.includes('\0');

/** A copy with the same own property descriptors: getters stay getters (and are not run here). */
function copy(o: Record<string, unknown>): Record<string, unknown> {
  return Object.defineProperties({}, Object.getOwnPropertyDescriptors(o)) as Record<string, unknown>;
}

/** The value of an own data property (not a getter), if there is one. */
function dataValue(o: Record<string, unknown>, key: string): unknown {
  return Object.getOwnPropertyDescriptor(o, key)?.value;
}

/**
 * Makes an accepted spawn harmless: the command is the one generated apart (`true` or a value that
 * cannot run), a shell given as a program becomes /bin/sh, and with a shell the args go (they
 * would be a command line). A non-string shell stays, for validation to refuse.
 */
export function defuseSpawn(o: Record<string, unknown>, command: unknown): Record<string, unknown> {
  const out = copy(o);
  const shell = dataValue(out, 'shell');
  if (isOsString(shell)) out.shell = '/bin/sh';
  if (shell === true || isOsString(shell)) delete out.args;
  Object.defineProperty(out, 'command', { value: command, enumerable: true, writable: true, configurable: true });
  return out;
}

/** Agent options run `true` whatever the adapter: the bin is `true` or a value that cannot run. */
export function defuseAgent(o: Record<string, unknown>, bin: unknown): Record<string, unknown> {
  const out = copy(o);
  Object.defineProperty(out, 'bin', { value: bin, enumerable: true, writable: true, configurable: true });
  return out;
}

/**
 * A stateDir that names a directory becomes the test's own temporary one, so nothing is created
 * anywhere else; other values (not strings, empty, with a NUL) stay for validation to judge.
 */
export function defuseManager(o: Record<string, unknown>, dir: string): Record<string, unknown> {
  const out = copy(o);
  if (isOsString(dataValue(out, 'stateDir'))) out.stateDir = dir;
  return out;
}
