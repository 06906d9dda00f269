/**
 * The operations the soak runs at random. Each draws the same numbers from the PRNG whatever the
 * runtime state, so that a seed always produces the same sequence of calls.
 */
import { TERMINAL_STATES, type ListFilter, type ProcessExit, type ProcessState, type StopOptions } from '../src/index.js';
import { STOP_DEADLINE_MS, type SoakContext } from './context.js';
import { planSpawn, randomScope } from './kinds.js';
import type { Tracked } from './tracker.js';

export const OP_WEIGHTS = {
  spawn: 12,
  spawnStop: 1.5,
  stop: 3,
  kill: 1.5,
  pmStop: 1.5,
  stopScope: 0.6,
  stopAll: 0.05,
  pause: 5,
  resume: 5,
  write: 12,
  end: 2,
  shellExit: 1,
  resize: 3,
  read: 6,
  follow: 2,
  remove: 3,
  list: 3,
  abort: 1,
  screen: 0.5,
  badStop: 1,
  metrics: 1,
} as const;

export type OpName = keyof typeof OP_WEIGHTS;

const STOP_CODES = ['NOT_FOUND'] as const;
const STDIN_CODES = ['STDIN_UNAVAILABLE', 'NOT_RUNNING', 'STDIN_FAILED'] as const;
const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

function letters(n: number, seed: number): string {
  const start = seed % LETTERS.length;
  return (LETTERS.slice(start) + LETTERS.slice(0, start)).repeat(Math.ceil(n / LETTERS.length)).slice(0, n);
}

function stopOptions(ctx: SoakContext): StopOptions | undefined {
  const r = ctx.r;
  const which = r.int(0, 4);
  const graceMs = r.int(0, 300);
  const signal = r.pick(['SIGTERM', 'SIGINT', 'SIGHUP'] as const);
  if (which === 0) return undefined;
  if (which === 1) return { graceMs };
  if (which === 2) return { signal, graceMs };
  if (which === 3)
    return {
      sequence: [
        { signal, graceMs },
        { signal: 'SIGTERM', graceMs: Math.floor(graceMs / 2), target: 'leader' },
      ],
    };
  return {};
}

/** Follows a stop-like promise: it must settle in time, with a terminal exit record. */
function watchStop(ctx: SoakContext, t: Tracked | undefined, what: string, stateAtCall: ProcessState, promise: Promise<{ ok: boolean; value?: unknown }>): void {
  const pending = { op: ctx.findings.op, what, stateAtCall, deadline: performance.now() + STOP_DEADLINE_MS, settled: false, flagged: false };
  t?.stops.push(pending);
  void promise.then((res) => {
    pending.settled = true;
    if (!res.ok || !t) return;
    const exits = (Array.isArray(res.value) ? res.value : [res.value]) as ProcessExit[];
    for (const exit of exits) {
      if (!exit || !TERMINAL_STATES.includes(exit.state)) ctx.findings.violation('stop-result', `${what} resolved with ${JSON.stringify(exit)}`, t.idx);
    }
    if (!Array.isArray(res.value) && t.exit === undefined) ctx.findings.violation('stop-before-exit', `${what} resolved before the exit event`, t.idx);
  });
}

export function runOp(ctx: SoakContext, op: OpName): void {
  const { r, pm } = ctx;
  switch (op) {
    case 'spawn':
      spawn(ctx);
      return;
    case 'spawnStop': {
      const how = r.pick(['stop', 'kill', 'pmStop'] as const);
      const t = spawn(ctx);
      if (!t) return;
      const state = t.p.state;
      ctx.log('spawnStop', t, how);
      const call = how === 'stop' ? () => t.p.stop() : how === 'kill' ? () => t.p.kill() : () => pm.stop(t.p.id);
      watchStop(ctx, t, `${how} right after spawn`, state, ctx.async(how, STOP_CODES, call, t));
      return;
    }
    case 'stop':
    case 'kill':
    case 'pmStop':
    case 'badStop': {
      const t = ctx.target();
      const opts = stopOptions(ctx);
      const bad = r.pick([{ graceMs: -1 }, { signal: 'SIGNOPE' }, { graceMs: 2 ** 31 }, { graceMs: Number.NaN }, { sequence: [] }, { grace: 5 }, 'SIGTERM'] as const);
      if (!t) return;
      const state = t.p.state;
      ctx.log(op, t, op === 'badStop' ? JSON.stringify(bad) : op === 'kill' ? '' : (JSON.stringify(opts) ?? ''));
      if (op === 'badStop') {
        void ctx
          .async('stop with bad options', ['INVALID_OPTIONS'], () => t.p.stop(bad as never), t)
          .then((res) => {
            if (res.ok) ctx.findings.violation('bad-options-accepted', `stop(${JSON.stringify(bad)}) resolved`, t.idx);
          });
        return;
      }
      const call = op === 'stop' ? () => t.p.stop(opts) : op === 'kill' ? () => t.p.kill() : () => pm.stop(t.p.id, opts);
      watchStop(ctx, t, op, state, ctx.async(op, STOP_CODES, call, t));
      return;
    }
    case 'stopScope': {
      const scope = randomScope(r);
      const partial = r.pick(['both', 'kind', 'id'] as const);
      const opts = stopOptions(ctx);
      const filter = partial === 'both' ? scope : partial === 'kind' ? { kind: scope.kind } : { id: scope.id };
      ctx.log('stopScope', undefined, `${JSON.stringify(filter)} ${JSON.stringify(opts) ?? ''}`);
      ctx.stopsOfMany.push(ctx.findings.elapsedMs);
      watchStop(
        ctx,
        undefined,
        `stopScope(${JSON.stringify(filter)})`,
        'running',
        ctx.async('stopScope', [], () => pm.stopScope(filter, opts)),
      );
      return;
    }
    case 'stopAll': {
      const opts = stopOptions(ctx);
      ctx.log('stopAll', undefined, JSON.stringify(opts) ?? '');
      ctx.stopsOfMany.push(ctx.findings.elapsedMs);
      watchStop(
        ctx,
        undefined,
        'stopAll',
        'running',
        ctx.async('stopAll', [], () => pm.stopAll(opts)),
      );
      return;
    }
    case 'pause':
    case 'resume': {
      const t = ctx.target();
      if (!t) return;
      ctx.log(op, t);
      const res = ctx.sync(op, ['NOT_RUNNING'], () => (op === 'pause' ? t.p.pause() : t.p.resume()), t);
      const want = op === 'pause' ? 'paused' : 'running';
      if (res.ok && t.p.state !== want) ctx.findings.violation(op, `${op}() returned but the state is ${t.p.state}`, t.idx);
      return;
    }
    case 'write':
      write(ctx);
      return;
    case 'end': {
      const t = ctx.target();
      if (!t) return;
      ctx.log('end', t);
      // An echo's byte count is checked only when every write was settled before end().
      if (t.plan.expect.echo && t.stdin.pending > 0) return;
      const res = ctx.sync('end', ['STDIN_UNAVAILABLE', 'NOT_RUNNING'], () => t.p.end(), t);
      if (res.ok) t.stdin.ended = true;
      return;
    }
    case 'shellExit': {
      const t = ctx.target();
      if (!t) return;
      ctx.log('shellExit', t);
      if (!t.plan.expect.shell) return;
      t.exitSent = true;
      void ctx.async('write exit', STDIN_CODES, () => t.p.write('exit\r'), t);
      return;
    }
    case 'resize': {
      const t = ctx.target();
      const invalid = r.chance(0.1);
      const cols = invalid ? r.pick([0, 1.5, -3]) : r.int(10, 250);
      const rows = r.int(3, 80);
      if (!t) return;
      ctx.log('resize', t, `${cols}x${rows}`);
      ctx.sync('resize', ['NOT_SUPPORTED', 'NOT_RUNNING', ...(invalid ? ['INVALID_OPTIONS'] : [])], () => t.p.resize(cols, rows), t);
      return;
    }
    case 'read':
      read(ctx);
      return;
    case 'follow':
      follow(ctx);
      return;
    case 'remove': {
      const t = ctx.target();
      if (!t) return;
      ctx.log('remove', t);
      const registered = pm.get(t.p.id) === t.p;
      const terminal = TERMINAL_STATES.includes(t.p.state);
      const res = ctx.sync('remove', [], () => pm.remove(t.p.id), t);
      if (res.ok && res.value !== (registered && terminal)) ctx.findings.violation('remove', `remove() gave ${res.value} for a ${registered ? 'registered' : 'removed'} ${t.p.state} process`, t.idx);
      if (res.ok && res.value && pm.get(t.p.id) !== undefined) ctx.findings.violation('remove', 'still registered after remove()', t.idx);
      return;
    }
    case 'list': {
      const which = r.int(0, 3);
      const state = r.pick(['queued', 'starting', 'running', 'paused', 'stopping', 'backoff', 'completed', 'failed', 'stopped'] as const);
      const scope = randomScope(r);
      const filter: ListFilter = which === 0 ? {} : which === 1 ? { state: [state, 'running'] } : which === 2 ? { scope: { kind: scope.kind } } : { label: 'echo' };
      ctx.log('list', undefined, JSON.stringify(filter));
      const res = ctx.sync('list', [], () => pm.list(filter));
      if (!res.ok) return;
      for (const p of res.value) {
        const bad = (filter.state && !(filter.state as string[]).includes(p.state)) || (filter.scope && p.scope?.kind !== filter.scope.kind) || (filter.label && p.label !== filter.label);
        if (bad) ctx.findings.violation('list', `list(${JSON.stringify(filter)}) returned a ${p.state} ${p.label} process of scope ${JSON.stringify(p.scope)}`);
      }
      return;
    }
    case 'abort': {
      const t = ctx.target();
      if (!t) return;
      ctx.log('abort', t, t.plan.abort ? '' : '(no signal)');
      t.plan.abort?.abort();
      return;
    }
    case 'screen': {
      const t = ctx.target();
      if (!t) return;
      ctx.log('screen', t);
      void ctx
        .async('screen', t.plan.expect.pty ? [] : ['NOT_SUPPORTED'], () => t.p.screen(), t)
        .then((res) => {
          if (res.ok && !Array.isArray((res.value as { lines?: unknown }).lines)) ctx.findings.violation('screen', `screen() gave ${JSON.stringify(res.value)}`, t.idx);
        });
      return;
    }
    case 'metrics': {
      const t = ctx.target();
      if (!t) return;
      ctx.log('metrics', t);
      ctx.sync('metrics', [], () => t.p.metrics(), t);
      return;
    }
  }
}

function spawn(ctx: SoakContext): Tracked | undefined {
  const plan = planSpawn(ctx.r, ctx.fixtureDeadlineMs);
  ctx.planning = plan;
  const before = ctx.tracked.length;
  const res = ctx.sync('spawn', plan.invalid ? ['INVALID_OPTIONS'] : ['LIMIT_REACHED'], () => ctx.pm.spawn(plan.options));
  ctx.planning = undefined;
  const t = ctx.tracked.length > before ? ctx.tracked[ctx.tracked.length - 1] : undefined;
  ctx.log(
    'spawn',
    t,
    `${plan.kind}${res.ok ? '' : ` refused: ${res.code}`} ${JSON.stringify(plan.options, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v instanceof AbortSignal ? 'AbortSignal' : v))}`,
  );
  if (plan.invalid && res.ok) ctx.findings.violation('bad-options-accepted', `spawn accepted ${JSON.stringify(plan.options)}`, t?.idx);
  if (!res.ok && plan.invalid) return undefined;
  if (res.ok && t) void ctx.async('started', ['SPAWN_FAILED', 'NOT_RUNNING'], () => t.p.started, t);
  return res.ok ? t : undefined;
}

function write(ctx: SoakContext): void {
  const { r } = ctx;
  const t = ctx.target();
  const n = r.logInt(1, 64 * 1024);
  const seed = r.int(0, 1e9);
  const marker = String(r.int(100_000, 999_999));
  if (!t) return;
  const e = t.plan.expect;
  if (e.shell) {
    // Typed only once the shell has prompted: input typed before readline set the terminal up may be flushed.
    const typed = t.shellText.includes('$ ') && !t.exitSent;
    const beforeExit = !t.exitSent;
    const text = typed ? `echo $((${marker}-1))\r` : ':\r';
    ctx.log('write', t, typed ? `marker ${Number(marker) - 1}` : ':');
    void ctx
      .async('write', STDIN_CODES, () => t.p.write(text), t)
      .then((res) => {
        if (res.ok && typed && beforeExit) t.markers.push(String(Number(marker) - 1));
      });
    return;
  }
  const data = letters(n, seed);
  if (e.pty) t.typed = true;
  ctx.log('write', t, `${n} bytes`);
  const s = t.stdin;
  const attempt = t.attempts.length - 1;
  const counted = e.echo && s.attempt === attempt && !s.ended;
  if (counted) s.pending++;
  void ctx
    .async('write', STDIN_CODES, () => t.p.write(data), t)
    .then((res) => {
      if (res.ok) ctx.stdinBytes += n;
      if (!counted || t.stdin !== s) return;
      s.pending--;
      if (res.ok) s.written += n;
      else if (res.code === 'STDIN_FAILED') s.failed = true;
    });
}

function read(ctx: SoakContext): void {
  const { r } = ctx;
  const t = ctx.target();
  const frac = r.next();
  const limit = r.chance(0.5) ? r.logInt(1, 1 << 20) : undefined;
  if (!t) return;
  const out = t.p.output;
  const start = out.start;
  const end = out.end;
  const since = Math.floor(frac * (end + 200)) - 100;
  ctx.log('read', t, `since ${since} limit ${limit}`);
  const res = ctx.sync('read', [], () => out.read({ since, limit }), t);
  if (!res.ok) return;
  const { data, from, to, dropped } = res.value;
  const wantFrom = Math.min(Math.max(since, start), end);
  const wantTo = Math.min(end, wantFrom + (limit ?? Infinity));
  const wantDropped = since < start ? start - since : 0;
  if (from !== wantFrom || to !== wantTo || data.length !== to - from || dropped !== wantDropped) {
    ctx.findings.violation('read', `read({ since: ${since}, limit: ${limit} }) over [${start}, ${end}) gave from ${from} to ${to}, ${data.length} bytes, dropped ${dropped}`, t.idx);
  }
}

function follow(ctx: SoakContext): void {
  const { r } = ctx;
  const t = ctx.target();
  const frac = r.next();
  const abortAfter = r.chance(0.3) ? r.int(1, 500) : undefined;
  if (!t) return;
  const since = Math.floor(frac * (t.p.output.end + 1));
  ctx.log('follow', t, `since ${since}${abortAfter === undefined ? '' : ` abort after ${abortAfter} ms`}`);
  const ac = new AbortController();
  const f = { t, done: false, aborted: false };
  ctx.followers.push(f);
  if (abortAfter !== undefined) {
    setTimeout(() => {
      f.aborted = true;
      ac.abort();
    }, abortAfter).unref();
  }
  void (async () => {
    let cursor = since;
    try {
      for await (const c of t.p.output.follow({ since, signal: ac.signal })) {
        if (c.offset !== cursor + c.dropped) ctx.findings.violation('follow-gap', `follow from ${since}: chunk at ${c.offset} with dropped ${c.dropped}, cursor ${cursor}`, t.idx);
        cursor = c.offset + c.data.length;
      }
      if (!f.aborted && t.exit && cursor !== t.p.output.end) ctx.findings.violation('follow-tail', `follow from ${since} ended at ${cursor}, output ends at ${t.p.output.end}`, t.idx);
      if (!f.aborted && !t.exit) ctx.findings.violation('follow-early', `follow from ${since} ended at ${cursor} before the exit`, t.idx);
    } catch (err) {
      ctx.findings.violation('follow-threw', `follow from ${since}: ${err instanceof Error ? err.message : String(err)}`, t.idx);
    } finally {
      f.done = true;
    }
  })();
}
