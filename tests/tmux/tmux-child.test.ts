import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { isProcwardError } from '../../src/errors/procward-error.js';
import type { ChildEvents } from '../../src/spawn/child-handle.js';
import { adoptTmuxSession, spawnTmuxChild, type TmuxSpawnOptions } from '../../src/tmux/tmux-child.js';
import type { TmuxChildHandle } from '../../src/tmux/tmux-handle.js';
import { FIXTURES, isAlive, waitFor } from '../helpers/proc.js';

const SOCKET = `procward-test-${process.pid}`;
const HERE = fileURLToPath(new URL('./fixtures/', import.meta.url));
const handles: TmuxChildHandle[] = [];
let sessions = 0;

/** A tmux client on the test socket; resolves with its stdout, or undefined if it failed. */
function tmux(...args: string[]): Promise<string | undefined> {
  return new Promise((resolve) => execFile('tmux', ['-L', SOCKET, ...args], (err, stdout) => resolve(err ? undefined : stdout)));
}
const hasSession = async (name: string) => (await tmux('has-session', '-t', `=${name}`)) !== undefined;

afterEach(async () => {
  // Every test ends its own sessions; this only catches a test that failed half-way.
  await Promise.all(handles.splice(0).map((h) => h.kill()));
});

afterAll(async () => {
  await tmux('kill-server');
  // tmux leaves its socket file behind when the server exits.
  rmSync(join(process.env.TMUX_TMPDIR || '/tmp', `tmux-${process.getuid!()}`, SOCKET), { force: true });
});

/** Everything a backend reports, with promises for the moments tests wait on. */
function recorder() {
  const events: string[] = [];
  const chunks: Buffer[] = [];
  let resolveExit!: (v: { code: number | null; signal: NodeJS.Signals | null }) => void;
  let resolveFailed!: (e: NodeJS.ErrnoException) => void;
  let resolveClosed!: () => void;
  let resolveSpawned!: () => void;
  const r = {
    events,
    chunks,
    spawned: new Promise<void>((res) => (resolveSpawned = res)),
    exited: new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => (resolveExit = res)),
    spawnFailed: new Promise<NodeJS.ErrnoException>((res) => (resolveFailed = res)),
    outputClosed: new Promise<void>((res) => (resolveClosed = res)),
    output: () => Buffer.concat(chunks),
    text: (from = 0) => Buffer.concat(chunks).subarray(from).toString(),
    /** Waits until the output from byte `from` on matches. */
    until: (re: RegExp, from = 0) =>
      waitFor(() => re.exec(r.text(from)), `output matching ${re}`).catch((err) => {
        throw new Error(`${(err as Error).message}; got ${JSON.stringify(r.text(from).slice(-200))}; events ${JSON.stringify(events)}`);
      }),
    on: {
      spawned: () => {
        events.push('spawned');
        resolveSpawned();
      },
      spawnFailed: (err) => {
        events.push(`spawnFailed ${err.code}`);
        resolveFailed(err);
      },
      failed: (err) => events.push(`failed ${err.message}`),
      data: (stream, data) => {
        if (stream !== 'pty') events.push(`data on ${stream}`);
        chunks.push(data);
      },
      exited: (code, signal) => {
        events.push(`exited ${code} ${signal}`);
        resolveExit({ code, signal });
      },
      outputClosed: () => {
        events.push('outputClosed');
        resolveClosed();
      },
    } satisfies ChildEvents,
  };
  return r;
}

const env = (): Record<string, string> => {
  const e: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) e[k] = v;
  // The leak check finds what a test leaves behind by this marker: children of the tmux server included.
  e.PROCWARD_TREE = 'tmux-tests';
  return e;
};

function spawn(o: Partial<TmuxSpawnOptions> & { command: string }, r = recorder()) {
  const session = o.session ?? `t${process.pid}-${++sessions}`;
  const h = spawnTmuxChild({ args: [], cwd: process.cwd(), env: env(), cols: 80, rows: 24, name: 'tmux-256color', socket: SOCKET, ...o, session }, r.on);
  handles.push(h);
  return { h, r, session };
}

/** pids of `sleep` processes whose parent is `ppid`. */
function sleepsUnder(ppid: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(ppid), '-x', 'sleep'], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map(Number);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

const bash = (extra: Record<string, string> = {}) => ({
  command: 'bash',
  args: ['--norc', '--noprofile', '-i'],
  env: { ...env(), PS1: 'READY> ', ...extra },
});

/** Ends an interactive bash and checks that it ended well and left nothing. */
async function exitBash(h: TmuxChildHandle, r: ReturnType<typeof recorder>, session: string) {
  h.input.write('exit\r');
  expect(await r.exited).toEqual({ code: 0, signal: null });
  await r.outputClosed;
  expect(await hasSession(session)).toBe(false);
  expect(r.events).toEqual(['spawned', 'exited 0 null', 'outputClosed']);
}

describe('tmux backend', () => {
  it('types into an interactive bash and sees the answer in the output and on the screen; the session exists exactly while it runs', async () => {
    const { h, r, session } = spawn(bash());
    await r.spawned;
    expect(h.pid).toBeGreaterThan(0);
    expect(isAlive(h.pid!)).toBe(true);
    expect(await hasSession(session)).toBe(true);
    expect(
      execFileSync('ps', ['-o', 'comm=', '-p', String(h.pid)])
        .toString()
        .trim(),
    ).toBe('bash');
    await r.until(/READY> $/);
    const from = r.output().length;
    h.input.write('echo hel""lo\r');
    await r.until(/[\r\n]hello\r\n/, from);
    const screen = await waitFor(async () => {
      const s = await h.capture();
      return s.lines.includes('hello') && s.lines.at(s.cursor.y) === 'READY>' ? s : undefined;
    }, 'hello on the screen and the cursor on the next prompt');
    expect(screen.lines).toHaveLength(24);
    expect(screen.cursor.x).toBe('READY> '.length);
    await exitBash(h, r, session);
  });

  it('resize changes the size the program sees', async () => {
    const { h, r, session } = spawn(bash());
    await r.until(/READY> $/);
    h.resize(100, 30);
    expect(h.terminalSize).toEqual({ cols: 100, rows: 30 });
    const from = r.output().length;
    h.input.write('stty size\r');
    await r.until(/[\r\n]30 100\r\n/, from);
    await exitBash(h, r, session);
  });

  it('Ctrl-C interrupts the foreground job only', async () => {
    const { h, r, session } = spawn(bash());
    await r.until(/READY> $/);
    const from = r.output().length;
    h.input.write('sleep 30; echo after-sleep\r');
    const sleeper = await waitFor(() => sleepsUnder(h.pid!)[0], 'the foreground sleep');
    h.input.write('\x03');
    await waitFor(() => !isAlive(sleeper), 'sleep to end on Ctrl-C');
    h.input.write('echo still-here\r');
    await r.until(/[\r\n]still-here\r\n/, from);
    expect(r.text(from)).not.toMatch(/\nafter-sleep\r\n/);
    await exitBash(h, r, session);
  });

  it('Ctrl-C reaches a command that is no shell (the trampoline shares its process group and stays out of it)', async () => {
    const { h, r } = spawn({ command: 'bash', args: ['-c', 'echo ready; exec sleep 30'] });
    await r.until(/ready\r\n/);
    h.input.write('\x03');
    expect(await r.exited).toEqual({ code: null, signal: 'SIGINT' });
    await r.outputClosed;
  });

  it('end() types Ctrl-D: end of file for a program reading the terminal', async () => {
    const { h, r } = spawn({ command: 'cat' });
    await r.spawned;
    h.input.write('typed\r');
    await r.until(/typed\r\ntyped\r\n/);
    h.input.end();
    expect(await r.exited).toEqual({ code: 0, signal: null });
    await r.outputClosed;
  });

  it('keeps following when a person attaching with -d detaches the other clients', async () => {
    const { h, r, session } = spawn(bash());
    await r.until(/READY> $/);
    const clients = async () => (await tmux('list-clients', '-t', `=${session}`, '-F', '#{client_pid}'))?.trim() ?? '';
    const before = await clients();
    expect(before).not.toBe('');
    expect(await tmux('detach-client', '-s', `=${session}`)).toBeDefined();
    // What the pane writes while no client of ours is attached is not seen: wait for the new one.
    await waitFor(async () => {
      const now = await clients();
      return now !== '' && now !== before;
    }, 'procward to attach again');
    const from = r.output().length;
    h.input.write('echo back-$((6 * 7))\r');
    await r.until(/[\r\n]back-42\r\n/, from);
    await exitBash(h, r, session);
  });

  it('reports a session killed outside procward as an exit it could not observe', async () => {
    const { h, r, session } = spawn(bash());
    await r.until(/READY> $/);
    const pid = h.pid!;
    await tmux('kill-session', '-t', `=${session}`);
    expect(await r.exited).toEqual({ code: null, signal: null });
    await r.outputClosed;
    expect(r.events.filter((e) => e.startsWith('failed'))).toEqual([expect.stringMatching(/ended outside procward/)]);
    // tmux hung up the terminal; the trampoline passed SIGHUP on to bash.
    await waitFor(() => !isAlive(pid), 'bash to end on the hangup');
  });

  it('reports the exit code', async () => {
    const { r, session } = spawn({ command: 'bash', args: ['-c', 'exit 7'] });
    expect(await r.exited).toEqual({ code: 7, signal: null });
    await r.outputClosed;
    expect(r.events).toEqual(['spawned', 'exited 7 null', 'outputClosed']);
    expect(await hasSession(session)).toBe(false);
  });

  it('reports the signal that killed the command', async () => {
    const { h, r, session } = spawn({ command: 'sleep', args: ['30'] });
    await r.spawned;
    process.kill(h.pid!, 'SIGTERM');
    expect(await r.exited).toEqual({ code: null, signal: 'SIGTERM' });
    await r.outputClosed;
    expect(await hasSession(session)).toBe(false);
  });

  it("reports an exit the trampoline could not (killed with the command) from tmux's pane status", async () => {
    const { h, r, session } = spawn({ command: 'sleep', args: ['30'] });
    await r.spawned;
    const panePid = Number((await tmux('display-message', '-p', '-t', `=${session}:`, '#{pane_pid}'))!.trim());
    expect(panePid).not.toBe(h.pid);
    process.kill(-panePid, 'SIGKILL'); // the pane's process group: trampoline and command together
    expect(await r.exited).toEqual({ code: null, signal: 'SIGKILL' });
    await r.outputClosed;
    expect(await hasSession(session)).toBe(false);
  });

  it.each([1, 2, 3])('loses none of the last bytes of a command that writes 64 KiB and exits at once (run %i)', async () => {
    const size = 64 * 1024;
    const { r } = spawn({ command: process.execPath, args: [join(HERE, 'all-bytes.mjs'), String(size)] });
    expect(await r.exited).toEqual({ code: 0, signal: null });
    await r.outputClosed;
    const expected = Buffer.alloc(size);
    for (let i = 0, b = 0; i < size; i++, b = (b + 1) % 256) expected[i] = b === 0x0a ? 0x0b : b;
    const got = r.output();
    expect(got.length).toBe(size);
    expect(got.equals(expected)).toBe(true);
  });

  it('loses none of the lines of a line flood (the terminal turns "\\n" into "\\r\\n")', async () => {
    const size = 64 * 1024;
    const { r } = spawn({ command: process.execPath, args: [join(FIXTURES, 'flood.mjs'), String(size)] });
    expect(await Promise.race([r.exited, r.spawnFailed])).toEqual({ code: 0, signal: null });
    await r.outputClosed;
    let text = '';
    for (let line = 0; text.length < size; line++) text += `${String(line).padStart(9, '0')}\n`;
    expect(r.output().toString()).toBe(text.slice(0, size).replace(/\n/g, '\r\n'));
  });

  it('never lets tmux or a shell read meaning into arguments, cwd or environment', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'procward-tmux-inject-'));
    const marker = (n: number) => join(dir, `ran-${n}`);
    const cwd = join(dir, `cwd #(touch ${marker(3)}) $(touch ${marker(4)})`);
    const args = [`$(touch ${marker(1)})`, `; rm -rf ${dir} ;`, `#(touch ${marker(2)})#{pid}`, 'kill-server;', 'a\\;', `'"\`echo x\``, ';', ''];
    try {
      mkdirSync(cwd, { recursive: true }); // the markers' "/" make it a few levels deep
      const { r } = spawn({
        command: 'bash',
        args: ['-c', 'printf "[%s]\\n" "$@"; pwd; printf "%s\\n" "$V"', 'argv0', ...args],
        cwd,
        env: { ...env(), V: `$(touch ${marker(5)}); x #{pid} #(touch ${marker(6)});` },
      });
      expect(await r.exited).toEqual({ code: 0, signal: null });
      await r.outputClosed;
      const lines = r.text().split('\r\n');
      expect(lines.slice(0, args.length)).toEqual(args.map((a) => `[${a}]`));
      expect(lines[args.length]).toBe(cwd);
      expect(lines[args.length + 1]).toBe(`$(touch ${marker(5)}); x #{pid} #(touch ${marker(6)});`);
      for (let n = 1; n <= 6; n++) expect(existsSync(marker(n)), `marker ${n}`).toBe(false);
      expect(existsSync(dir)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each(['a;rm -rf x', 'a.b', 'a:b', '#{pid}', '$(x)', '=a', '', "it's"])('rejects the session name %j', (session) => {
    const r = recorder();
    let thrown: unknown;
    try {
      spawnTmuxChild({ command: 'true', args: [], cwd: '/', env: env(), cols: 80, rows: 24, name: 'tmux-256color', session, socket: SOCKET }, r.on);
    } catch (err) {
      thrown = err;
    }
    expect(isProcwardError(thrown, 'INVALID_OPTIONS')).toBe(true);
    expect((thrown as Error).message).toMatch(/session/);
    expect(r.events).toEqual([]);
  });

  it('reports a missing command or cwd as spawnFailed ENOENT, before tmux is involved', async () => {
    const missing = spawn({ command: 'no-such-command-procward' });
    expect((await missing.r.spawnFailed).code).toBe('ENOENT');
    await missing.r.outputClosed;
    expect(missing.r.events).toEqual(['spawnFailed ENOENT', 'outputClosed']);
    expect(await hasSession(missing.session)).toBe(false);

    const noCwd = spawn({ command: 'true', cwd: '/no/such/dir/procward' });
    expect((await noCwd.r.spawnFailed).code).toBe('ENOENT');
    expect(await hasSession(noCwd.session)).toBe(false);
  });

  it('reports a command that passes the checks but cannot be executed as spawnFailed, with its errno', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'procward-tmux-exec-'));
    const script = join(dir, 'bad-interpreter');
    writeFileSync(script, '#!/no/such/interpreter\n', { mode: 0o755 });
    try {
      const { r, session } = spawn({ command: script });
      expect((await r.spawnFailed).code).toBe('ENOENT');
      await r.outputClosed;
      expect(r.events).toEqual(['spawnFailed ENOENT', 'outputClosed']);
      expect(await hasSession(session)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('gives the command exactly its environment, with TERM and the TMUX variables of its own session', async () => {
    const { r, session } = spawn({ command: 'env', env: { FOO: 'bar baz', PATH: process.env.PATH!, TERM: 'vt100', TMUX: '/outer,1,0' }, name: 'screen-256color' });
    expect(await r.exited).toEqual({ code: 0, signal: null });
    const vars = r.text().split('\r\n').filter(Boolean).sort();
    expect(vars.map((v) => v.split('=')[0])).toEqual(['FOO', 'PATH', 'TERM', 'TMUX', 'TMUX_PANE']);
    expect(vars).toContain('FOO=bar baz');
    expect(vars).toContain('TERM=screen-256color');
    expect(vars.find((v) => v.startsWith('TMUX='))).toMatch(new RegExp(`/${SOCKET},\\d+,\\d+$`));
    expect(vars.find((v) => v.startsWith('TMUX_PANE='))).toMatch(/^TMUX_PANE=%\d+$/);
    // The session is ended after the exit is reported; outputClosed follows its end.
    await r.outputClosed;
    expect(await hasSession(session)).toBe(false);
  });

  it('reports a missing tmux as spawnFailed, saying to install it', async () => {
    const path = process.env.PATH;
    process.env.PATH = join(tmpdir(), 'procward-no-tmux-here');
    let r: ReturnType<typeof recorder>;
    try {
      ({ r } = spawn({ command: '/bin/true' }));
    } finally {
      process.env.PATH = path;
    }
    const err = await r.spawnFailed;
    expect(err.code).toBe('ENOENT');
    expect(err.message).toMatch(/install tmux/i);
  });

  it('refuses an existing session name and leaves that session alone', async () => {
    const first = spawn({ command: 'sleep', args: ['30'] });
    await first.r.spawned;
    const second = spawn({ command: 'true', session: first.session });
    expect((await second.r.spawnFailed).code).toBe('EEXIST');
    await second.r.outputClosed;
    expect(await hasSession(first.session)).toBe(true);
    expect(isAlive(first.h.pid!)).toBe(true);
    await first.h.kill();
    expect(await first.r.exited).toEqual({ code: null, signal: 'SIGHUP' });
    expect(await hasSession(first.session)).toBe(false);
  });

  it('is adopted again after its first follower let go, as after a host restart', async () => {
    const first = spawn(bash());
    await first.r.until(/READY> $/);
    first.h.closeOutput();
    await first.r.outputClosed;
    expect(await hasSession(first.session)).toBe(true);
    expect(isAlive(first.h.pid!)).toBe(true);

    const r = recorder();
    const h = await adoptTmuxSession(first.session, SOCKET, r.on);
    expect(h).toBeDefined();
    handles.push(h!);
    expect(r.events).toEqual(['spawned']);
    expect(h!.pid).toBe(first.h.pid);
    expect(h!.terminalSize).toEqual({ cols: 80, rows: 24 });
    h!.input.write('echo adopted-$((40 + 2))\r');
    await r.until(/[\r\n]adopted-42\r\n/);
    expect((await h!.capture()).lines).toContain('adopted-42');
    await exitBash(h!, r, first.session);
    // The first handle let go: it reports nothing more.
    expect(first.r.events).toEqual(['spawned', 'outputClosed']);
  });

  it("adopts a session procward did not start: the pane's process is the command, its exit comes from tmux", async () => {
    const session = `foreign-${process.pid}`;
    await tmux('-f', '/dev/null', 'new-session', '-d', '-s', session, '--', 'sleep', '30', ';', 'set-option', '-w', '-t', `=${session}:`, 'remain-on-exit', 'on');
    const r = recorder();
    const h = await adoptTmuxSession(session, SOCKET, r.on);
    expect(h).toBeDefined();
    handles.push(h!);
    // The pane's process is forked by the tmux server and then execs the command: until it has, ps
    // names it "tmux: server".
    const comm = () =>
      execFileSync('ps', ['-o', 'comm=', '-p', String(h!.pid)])
        .toString()
        .trim();
    await waitFor(() => comm() === 'sleep', 'the pane to exec sleep');
    process.kill(h!.pid!, 'SIGTERM');
    expect(await r.exited).toEqual({ code: null, signal: 'SIGTERM' });
    await r.outputClosed;
    expect(await hasSession(session)).toBe(false);
  });

  it('adopts nothing where there is no such session', async () => {
    const r = recorder();
    expect(await adoptTmuxSession(`none-${process.pid}`, SOCKET, r.on)).toBeUndefined();
    expect(r.events).toEqual([]);
  });

  it('reports the exit of a command that ended while nobody followed it', async () => {
    const first = spawn(bash());
    await first.r.until(/READY> $/);
    first.h.closeOutput();
    const pid = first.h.pid!;
    process.kill(pid, 'SIGTERM'); // bash -i ignores SIGTERM
    process.kill(pid, 'SIGHUP');
    await waitFor(() => !isAlive(pid), 'bash to end');
    const r = recorder();
    const h = await adoptTmuxSession(first.session, SOCKET, r.on);
    expect(h).toBeDefined();
    handles.push(h!);
    expect(await r.exited, JSON.stringify(r.events)).toEqual({ code: null, signal: 'SIGHUP' });
    await r.outputClosed;
    expect(await hasSession(first.session)).toBe(false);
  });

  it('kill() hangs up on the command as closing its terminal would: a shell takes its jobs with it', async () => {
    const { h, r, session } = spawn(bash());
    await r.until(/READY> $/);
    h.input.write('sleep 300 & sleep 301\r');
    const pid = h.pid!;
    const sleeps = await waitFor(() => {
      const found = sleepsUnder(pid);
      return found.length === 2 ? found : undefined;
    }, 'both sleeps');
    await h.kill();
    expect(await r.exited).toEqual({ code: null, signal: 'SIGHUP' });
    expect(r.events.at(-1)).toBe('outputClosed');
    expect(await hasSession(session)).toBe(false);
    expect(isAlive(pid)).toBe(false);
    await waitFor(() => sleeps.every((s) => !isAlive(s)), 'the jobs to end');
  });

  it('kill() escalates to SIGKILL for a command that ignores SIGHUP', async () => {
    const { h, r, session } = spawn({ command: 'bash', args: ['-c', 'trap "" HUP; echo ready; read -r line'] });
    await r.until(/ready\r\n/);
    const pid = h.pid!;
    await h.kill();
    expect(await r.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(await hasSession(session)).toBe(false);
    expect(isAlive(pid)).toBe(false);
  });
});
