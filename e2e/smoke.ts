// Proof that the real CLIs run offline against the mocks: `cd /work/main && npx tsx e2e/smoke.ts`.
// Prints each case's stdout line types and exit code, compares them with the recorded fixtures, and exits 1
// if a case went wrong, anything tried to leave the machine, or a process was left behind.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type AnthropicScript, apiError, bashThenAnswer, plainAnswer, startAnthropicMock } from './mock/anthropic-api.js';
import { apiError as responsesError, plainAnswer as responsesAnswer, type ResponsesScript, shellThenAnswer, startResponsesMock } from './mock/responses-api.js';
import { claudeBin, claudeEnv, cliInstalled, codexBin, codexEnv, e2eRoot } from './lib/offline-env.js';
import { type CliRun, labelOf, ps, runCli } from './lib/proc.js';

const fixturesDir = join(e2eRoot, '..', 'tests', 'fixtures', 'recorded');
let failures = 0;

// Runs of one label (40 deltas vs 3) and a split assistant message count once: the shape is what must match.
const collapse = (labels: string[]): string[] => labels.filter((l, i) => l !== labels[i - 1]);

/** "a, b x40, c": labels with repeats counted. */
function runs(labels: string[]): string {
  const out: string[] = [];
  let n = 0;
  labels.forEach((l, i) => {
    n++;
    if (labels[i + 1] !== l) (out.push(n > 1 ? `${l} x${n}` : l), (n = 0));
  });
  return out.join(', ');
}

function fixture(cli: string, name: string): { lines: unknown[]; labels: string[]; exit: number } | undefined {
  const base = join(fixturesDir, cli, `${cli}-${name}`);
  if (!existsSync(`${base}.jsonl`)) return undefined;
  const lines = readFileSync(`${base}.jsonl`, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as unknown);
  const meta = JSON.parse(readFileSync(`${base}.meta.json`, 'utf8')) as { exit_code: number };
  return { lines, labels: lines.map(labelOf), exit: meta.exit_code };
}

/** Top-level keys that one side's first line of a label has and the other's lacks. */
function keyDiffs(ours: CliRun, fx: { lines: unknown[]; labels: string[] }): string[] {
  const keys = (l: unknown): string[] => (typeof l === 'object' && l !== null ? Object.keys(l) : []);
  return [...new Set(ours.labels)].flatMap((label) => {
    const a = keys(ours.lines[ours.labels.indexOf(label)]);
    const i = fx.labels.indexOf(label);
    if (i < 0) return [];
    const b = keys(fx.lines[i]);
    const extra = a.filter((k) => !b.includes(k));
    const missing = b.filter((k) => !a.includes(k));
    return extra.length + missing.length > 0 ? [`${label}: +[${extra.join(',')}] -[${missing.join(',')}]`] : [];
  });
}

function report(cli: string, name: string, run: CliRun, requests: number, extra = ''): void {
  console.log(`\n[${cli} ${name}] exit=${run.code ?? run.signal} in ${run.ms} ms, first line at ${run.lineMs[0] ?? '-'} ms, ${requests} mock request(s)${extra}`);
  console.log(`  lines: ${runs(run.labels)}`);
  if (run.stderr.trim()) console.log(`  stderr: ${run.stderr.trim().slice(0, 300)}`);
  const fx = fixture(cli, name);
  if (!fx) return console.log('  (no fixture to compare)');
  const same = JSON.stringify(collapse(fx.labels)) === JSON.stringify(collapse(run.labels));
  console.log(
    `  fixture: ${same ? 'same line types in the same order' : `DIFFERS, fixture: ${collapse(fx.labels).join(', ')}`}; exit ${run.code === fx.exit ? 'same' : `DIFFERS (fixture ${fx.exit})`}`,
  );
  const diffs = keyDiffs(run, fx);
  if (diffs.length > 0) console.log(`  keys differ from the fixture: ${diffs.join('; ')}`);
  if (!same || run.code !== fx.exit || run.timedOut) failures++;
}

function field(run: CliRun, label: string, key: string): string {
  const line = run.lines[run.labels.indexOf(label)] as Record<string, unknown> | undefined;
  return String(line?.[key] ?? '');
}

async function claudeCases(): Promise<void> {
  // One mock and one HOME for all cases, so --resume finds the first session; the script is swapped per case.
  let script: AnthropicScript = plainAnswer('');
  const mock = await startAnthropicMock((req) => script(req));
  const off = await claudeEnv(mock.url);
  const base = ['--output-format', 'stream-json', '--verbose'];
  const run = async (name: string, s: AnthropicScript, args: string[]): Promise<CliRun> => {
    script = s;
    const before = mock.requests.length;
    const r = await runCli(claudeBin, args, { env: off.env, cwd: off.dirs.work, timeoutMs: 60_000 });
    const got = mock.requests.slice(before);
    report('claude', name, r, got.length, ` [${got.map((q) => `${q.method} ${q.url} -> ${q.status} ${q.reply}`).join('; ')}]`);
    return r;
  };
  try {
    const hello = await run('hello', plainAnswer('hello from the mock'), ['-p', 'say hello', ...base]);
    await run('tool', bashThenAnswer('echo hi', undefined, 'I will run it.'), ['-p', 'run echo hi with bash', ...base, '--allowedTools', 'Bash']);
    const sessionId = field(hello, 'system/init', 'session_id');
    const resumed = await run('resume', ({ messages }) => ({ text: `mock saw ${messages.length} message(s)` }), ['-p', 'what did I just ask you?', '--resume', sessionId, ...base]);
    const sameSession = field(resumed, 'system/init', 'session_id') === sessionId;
    console.log(`  resumed session ${sessionId}: ${sameSession ? 'same id' : 'NEW id'}; answer: ${field(resumed, 'result/success', 'result')}`);
    if (!sameSession) failures++;
    const long = 'one two three four five six seven eight nine ten '.repeat(8);
    await run('partial', () => ({ text: long, deltas: 40, deltaDelayMs: 50 }), ['-p', 'say a lot', ...base, '--include-partial-messages']);
    const err = await run('api-error', () => apiError(400, 'invalid_request_error', 'mock 400'), ['-p', 'say hi', ...base]);
    const result = err.lines[err.labels.indexOf('result/success')] as Record<string, unknown> | undefined;
    console.log(`  result: is_error=${String(result?.is_error)} api_error_status=${String(result?.api_error_status)} result=${JSON.stringify(result?.result)}`);
    console.log(`\n[claude] proxy attempts: ${off.proxy.attempts.length}`);
    if (off.proxy.attempts.length > 0) (failures++, console.log(off.proxy.attempts));
  } finally {
    await mock.close();
    await off.cleanup();
  }
}

async function codexCases(): Promise<void> {
  let script: ResponsesScript = responsesAnswer('');
  const mock = await startResponsesMock((req) => script(req));
  const off = await codexEnv(mock.url);
  // --skip-git-repo-check: the work dir is not a git repository. Approval and sandbox come from config.toml.
  const run = async (name: string, s: ResponsesScript, args: string[]): Promise<CliRun> => {
    script = s;
    const before = mock.requests.length;
    const r = await runCli(codexBin, ['exec', ...args], { env: off.env, cwd: off.dirs.work, timeoutMs: 60_000 });
    const got = mock.requests.slice(before);
    report('codex', name, r, got.length, ` [${got.map((q) => `${q.method} ${q.url} -> ${q.status} ${q.reply}`).join('; ')}]`);
    return r;
  };
  try {
    const hello = await run('hello', responsesAnswer('hello from the mock'), ['--json', '--skip-git-repo-check', 'say hello']);
    await run('shell', shellThenAnswer('echo hi', undefined, 'I will run it.'), ['--json', '--skip-git-repo-check', 'run echo hi']);
    const threadId = field(hello, 'thread.started', 'thread_id');
    const resumed = await run('resume', ({ input }) => ({ text: `mock saw ${input.length} input item(s)` }), ['--json', '--skip-git-repo-check', 'resume', threadId, 'again']);
    const sameThread = field(resumed, 'thread.started', 'thread_id') === threadId;
    console.log(`  resumed thread ${threadId}: ${sameThread ? 'same id' : 'NEW id'}`);
    if (!sameThread) failures++;
    await run('api-error', () => responsesError(400, 'invalid_request_error', 'mock 400'), ['--json', '--skip-git-repo-check', 'say hi']);
    console.log(`\n[codex] proxy attempts: ${off.proxy.attempts.length}`);
    if (off.proxy.attempts.length > 0) (failures++, console.log(off.proxy.attempts));
  } finally {
    await mock.close();
    await off.cleanup();
  }
}

if (!cliInstalled()) {
  console.log('CLIs not installed: run `npm ci` in e2e/ first');
  process.exit(1);
}
await claudeCases();
await codexCases();
const leftovers = ps().filter((r) => r.cmd.includes('procward-e2e-') || r.cmd.includes(join(e2eRoot, 'node_modules')));
if (leftovers.length > 0) (failures++, console.log('\nLEFT BEHIND:', leftovers));
console.log(`\n${failures === 0 ? 'smoke: all cases as expected' : `smoke: ${failures} problem(s)`}`);
process.exit(failures === 0 ? 0 : 1);
