import { StringDecoder } from 'node:string_decoder';
import { z } from 'zod';
import { InvalidOptionsError } from '../errors/procward-error.js';
import { WaitFailedError } from '../errors/wait-failed-error.js';
import { handled, rejecting } from '../internal/deferred.js';
import { parseOptions } from '../options/parse.js';
import { durationMs } from '../options/values.js';
import type { OutputBuffer, OutputChunk, OutputStream } from '../output/output-buffer.js';
import type { ProcessEvents, ProcessExit } from './types.js';

export const WaitOptionsSchema = z.strictObject({
  /** Gives up when aborted (WAIT_FAILED, reason `aborted`). */
  signal: z.instanceof(AbortSignal, { message: 'signal must be an AbortSignal' }).optional(),
  /** Gives up after this long (WAIT_FAILED, reason `timeout`). @default no limit */
  timeoutMs: durationMs('timeoutMs', 1).optional(),
});

export const OutputWaitOptionsSchema = WaitOptionsSchema.extend({
  /** Only this stream's output. @default every stream */
  stream: z.enum(['stdout', 'stderr', 'pty']).optional(),
  /** Offset to look from; `p.output.end` waits for output still to come. @default the oldest byte the buffer holds */
  since: z.number().int().nonnegative().optional(),
});

export type WaitOptions = z.infer<typeof WaitOptionsSchema>;
export type OutputWaitOptions = z.infer<typeof OutputWaitOptionsSchema>;

/** What a wait needs of a process: the process itself, seen structurally. */
export interface Waitable {
  readonly id: string;
  readonly exit: ProcessExit | null;
  readonly output: OutputBuffer;
  on<K extends keyof ProcessEvents>(event: K, fn: (...args: ProcessEvents[K]) => void): unknown;
  off<K extends keyof ProcessEvents>(event: K, fn: (...args: ProcessEvents[K]) => void): unknown;
}

/** Every event a process emits; a wait for another name could never end. */
const PROCESS_EVENTS = ['state', 'output', 'line', 'exit', 'error', 'orphans', 'metrics', 'cpu-high', 'idle', 'restart'] as const satisfies readonly (keyof ProcessEvents)[];

/** A wait's argument that cannot be waited on (an unknown event, a predicate that is no function, a pattern that is neither RegExp nor string). */
function badArgument(what: string, path: string, message: string): InvalidOptionsError {
  return new InvalidOptionsError(what, [{ path, message }]);
}

/**
 * Text kept per stream for matching across chunk boundaries: a match may span up to KEEP_CHARS;
 * older text is dropped once the window reaches twice that, so a long wait costs bounded memory.
 */
const KEEP_CHARS = 64 * 1024;

/** See ManagedProcess.waitFor. */
export function waitForEvent<K extends keyof ProcessEvents>(
  p: Waitable,
  event: K,
  predicate: ((...args: ProcessEvents[K]) => boolean) | undefined,
  options: WaitOptions | undefined,
): Promise<ProcessEvents[K][0]> {
  return rejecting(() => {
    if (!(PROCESS_EVENTS as readonly unknown[]).includes(event)) {
      throw badArgument('waitFor event', 'event', `unknown event ${JSON.stringify(String(event))}; a process emits ${PROCESS_EVENTS.join(', ')}`);
    }
    if (predicate !== undefined && typeof predicate !== 'function') throw badArgument('waitFor predicate', 'predicate', `expected a function (payload) => boolean, got ${typeof predicate}`);
    const o = parseOptions(WaitOptionsSchema, options, 'waitFor options');
    return settleOnce(p, o, `event "${String(event)}"`, event !== 'exit', (resolve, reject) => {
      if (event === 'exit' && p.exit) {
        resolve(p.exit as ProcessEvents[K][0]);
        return () => {};
      }
      const listener = (...args: ProcessEvents[K]) => {
        let passed: boolean;
        try {
          passed = predicate ? predicate(...args) : true;
        } catch (err) {
          return reject(err);
        }
        if (passed) resolve(args[0]);
      };
      p.on(event, listener);
      return () => p.off(event, listener);
    });
  });
}

/** See ManagedProcess.waitForOutput. */
export function waitForOutput(p: Waitable, pattern: RegExp | string, options: OutputWaitOptions | undefined): Promise<RegExpExecArray> {
  return rejecting(() => {
    if (typeof pattern !== 'string' && !(pattern instanceof RegExp)) throw badArgument('waitForOutput pattern', 'pattern', `expected a RegExp or a string, got ${typeof pattern}`);
    return matchOutput(p, pattern, parseOptions(OutputWaitOptionsSchema, options, 'waitForOutput options'));
  });
}

function matchOutput(p: Waitable, pattern: RegExp | string, parsed: OutputWaitOptions): Promise<RegExpExecArray> {
  // A global or sticky RegExp would carry lastIndex from one test to the next.
  const re = typeof pattern === 'string' ? new RegExp(pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''));
  const windows = new Map<OutputStream, { decoder: StringDecoder; text: string }>();
  const test = (chunk: OutputChunk): RegExpExecArray | null => {
    if (parsed.stream && chunk.stream !== parsed.stream) return null;
    let w = windows.get(chunk.stream);
    if (!w) windows.set(chunk.stream, (w = { decoder: new StringDecoder('utf8'), text: '' }));
    w.text += w.decoder.write(chunk.data);
    if (w.text.length > 2 * KEEP_CHARS) w.text = w.text.slice(-KEEP_CHARS);
    return re.exec(w.text);
  };
  return settleOnce(p, parsed, `output matching ${re}`, true, (resolve) => {
    // What the buffer holds first, then what comes: both in this turn, so no chunk falls between.
    for (const chunk of p.output.chunks({ since: parsed.since })) {
      const m = test(chunk);
      if (m) {
        resolve(m);
        return () => {};
      }
    }
    const listener = (chunk: OutputChunk) => {
      const m = test(chunk);
      if (m) resolve(m);
    };
    p.on('output', listener);
    return () => p.off('output', listener);
  });
}

/**
 * The shared frame of a wait (its options validated by the caller): a timer, an abort listener and (unless the wait
 * is for the exit itself) the process's end, each of which settles it once and removes the rest.
 */
function settleOnce<T>(p: Waitable, o: WaitOptions, what: string, endsOnExit: boolean, subscribe: (resolve: (value: T) => void, reject: (err: unknown) => void) => () => void): Promise<T> {
  return handled(
    new Promise<T>((resolve, reject) => {
      const cleanups: (() => void)[] = [];
      let done = false;
      const finish = (settle: () => void) => {
        if (done) return;
        done = true;
        for (const c of cleanups) c();
        settle();
      };
      const fail = (reason: 'exited' | 'timeout' | 'aborted', message: string, extra: { exit?: ProcessExit; cause?: unknown } = {}) =>
        finish(() => reject(new WaitFailedError(reason, `Waiting for ${what} of process ${p.id}: ${message}`, { processId: p.id, ...extra })));
      const failExited = (exit: ProcessExit) =>
        fail('exited', `it ended first (${exit.state}, reason ${exit.reason}${exit.code !== null ? `, code ${exit.code}` : ''}${exit.signal ? `, ${exit.signal}` : ''}).`, { exit });

      if (o.signal?.aborted) {
        fail('aborted', 'the signal was aborted before the wait began.', { cause: o.signal.reason });
        return;
      }
      // Subscribed first: what is already there (the output a buffer holds) may satisfy the wait.
      const unsubscribe = subscribe(
        (value) => finish(() => resolve(value)),
        (err) => finish(() => reject(err)),
      );
      if (done) return unsubscribe();
      cleanups.push(unsubscribe);
      if (endsOnExit && p.exit) return failExited(p.exit);
      if (endsOnExit) {
        const onExit = (exit: ProcessExit) => failExited(exit);
        p.on('exit', onExit);
        cleanups.push(() => p.off('exit', onExit));
      }
      if (o.timeoutMs !== undefined) {
        const timer = setTimeout(() => fail('timeout', `${o.timeoutMs} ms passed.`), o.timeoutMs);
        cleanups.push(() => clearTimeout(timer));
      }
      const signal = o.signal;
      if (signal) {
        const onAbort = () => fail('aborted', 'the signal was aborted.', { cause: signal.reason });
        signal.addEventListener('abort', onAbort, { once: true });
        cleanups.push(() => signal.removeEventListener('abort', onAbort));
      }
    }),
  );
}
