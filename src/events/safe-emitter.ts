import { EventEmitter } from 'eventemitter3';
import { ListenerError } from '../errors/procward-error.js';

type Listener = (...args: unknown[]) => unknown;

/** Each isolating wrapper's listener: what listeners() returns, and how removeListener knows a wrapper. */
const originals = new WeakMap<Listener, Listener>();

/**
 * An eventemitter3 emitter whose listeners are isolated: one that throws neither stops the others
 * from hearing the event nor unwinds into the library (a throw inside a stdout handler would
 * otherwise become an uncaught exception in the host). The failure is re-emitted as an `error`
 * event carrying a ListenerError (see listenerFailed); a throwing `error` listener, or a
 * ListenerError nobody hears, is printed as a process warning, as Node does for an unhandled
 * error: a bug in a host's listener is never lost.
 *
 * Each listener is registered wrapped in a try/catch, through eventemitter3's public methods only,
 * so that nothing depends on how it stores listeners. One wrapper per function and event: a
 * function added twice is the same wrapper twice, and `off(event, fn)` removes every registration
 * of `fn` (with the `context` and `once` filters), as eventemitter3 does. `emit`, `listenerCount`,
 * `eventNames` and `removeAllListeners` are eventemitter3's own; `listeners` returns the functions
 * as they were added.
 */
export class SafeEmitter<Events extends EventEmitter.ValidEventTypes> extends EventEmitter<Events> {
  /** Per event, the wrapper of each function added for it. Weak: a function nobody holds any more takes its wrapper with it. */
  readonly #wrappers = new Map<unknown, WeakMap<Listener, Listener>>();

  override on<T extends EventEmitter.EventNames<Events>>(event: T, fn: EventEmitter.EventListener<Events, T>, context?: unknown): this {
    return super.on(event, this.#wrap(event, fn), context);
  }

  override addListener<T extends EventEmitter.EventNames<Events>>(event: T, fn: EventEmitter.EventListener<Events, T>, context?: unknown): this {
    return super.addListener(event, this.#wrap(event, fn), context);
  }

  override once<T extends EventEmitter.EventNames<Events>>(event: T, fn: EventEmitter.EventListener<Events, T>, context?: unknown): this {
    return super.once(event, this.#wrap(event, fn), context);
  }

  override removeListener<T extends EventEmitter.EventNames<Events>>(event: T, fn?: EventEmitter.EventListener<Events, T>, context?: unknown, once?: boolean): this {
    return this.#remove(event, fn, context, once);
  }

  override off<T extends EventEmitter.EventNames<Events>>(event: T, fn?: EventEmitter.EventListener<Events, T>, context?: unknown, once?: boolean): this {
    return this.#remove(event, fn, context, once);
  }

  override listeners<T extends EventEmitter.EventNames<Events>>(event: T): EventEmitter.EventListener<Events, T>[] {
    return super.listeners(event).map((w) => (originals.get(w as Listener) ?? w) as EventEmitter.EventListener<Events, T>);
  }

  #wrap<T extends EventEmitter.EventNames<Events>>(event: T, fn: EventEmitter.EventListener<Events, T>): EventEmitter.EventListener<Events, T> {
    // Not a function: eventemitter3 throws its own TypeError for it.
    if (typeof fn !== 'function') return fn;
    let byFn = this.#wrappers.get(event);
    if (byFn === undefined) this.#wrappers.set(event, (byFn = new WeakMap()));
    let wrapper = byFn.get(fn as Listener);
    if (wrapper === undefined) {
      const report = (err: unknown) => this.#report(event, err);
      // A function expression, not an arrow: eventemitter3 calls it with the listener's context as `this`.
      wrapper = function (this: unknown, ...args: unknown[]): void {
        try {
          (fn as Listener).apply(this, args);
        } catch (err) {
          report(err);
        }
      };
      originals.set(wrapper, fn as Listener);
      byFn.set(fn as Listener, wrapper);
    }
    return wrapper as EventEmitter.EventListener<Events, T>;
  }

  #remove<T extends EventEmitter.EventNames<Events>>(event: T, fn: EventEmitter.EventListener<Events, T> | undefined, context: unknown, once: boolean | undefined): this {
    if (fn === undefined) return super.removeListener(event, undefined, context, once);
    // eventemitter3's emit removes a `once` listener by the function it holds: the wrapper itself.
    const registered = originals.has(fn as Listener) ? fn : this.#wrappers.get(event)?.get(fn as Listener);
    if (registered === undefined) return this; // never added for this event: nothing to remove
    return super.removeListener(event, registered as EventEmitter.EventListener<Events, T>, context, once);
  }

  #report(event: unknown, err: unknown): void {
    if (event === 'error') {
      warnListenerFailed(`an "error" listener threw: ${String((err as Error)?.stack ?? err)}`);
      return;
    }
    this.listenerFailed(new ListenerError(String(event), err));
  }

  /**
   * Where a listener's failure goes: this emitter's `error` event, or a warning when nobody listens.
   * Subclasses that report to an owner (a process to its manager) widen it.
   */
  protected listenerFailed(error: ListenerError): void {
    if (!(this.emit as (e: string, ...a: unknown[]) => boolean)('error', error)) warnUnheard(error);
  }
}

/** Prints a ListenerError that no `error` listener heard. */
export function warnUnheard(error: ListenerError): void {
  warnListenerFailed(`${error.message} (and no "error" listener heard it)\n${String((error.cause as Error)?.stack ?? error.cause)}`);
}

function warnListenerFailed(message: string): void {
  process.emitWarning(`procward: ${message}`, { code: 'PROCWARD_LISTENER_FAILED' });
}
