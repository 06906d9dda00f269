import { EventEmitter } from 'eventemitter3';
import { ListenerError } from '../errors/procward-error.js';

interface Registered {
  fn: (...args: unknown[]) => unknown;
  context: unknown;
  once: boolean;
}

/**
 * An eventemitter3 emitter whose emit isolates listeners: one that throws neither stops the
 * others from hearing the event nor unwinds into the library (a throw inside a stdout handler
 * would otherwise become an uncaught exception in the host). The failure is re-emitted as an
 * `error` event carrying a ListenerError (see listenerFailed); a throwing `error` listener, or a
 * ListenerError nobody hears, is printed as a process warning, as Node does for an unhandled error:
 * a bug in a host's listener is never lost.
 *
 * It walks eventemitter3's listener store directly so that `once` and `off` keep their usual
 * meaning; that store's shape has been stable across the 4.x and 5.x lines.
 */
export class SafeEmitter<Events extends EventEmitter.ValidEventTypes> extends EventEmitter<Events> {
  override emit<T extends EventEmitter.EventNames<Events>>(
    event: T,
    ...args: EventEmitter.EventArgs<Events, T>
  ): boolean {
    const store = (this as unknown as { _events: Record<string | symbol, Registered | Registered[] | undefined> })._events;
    const entry = store[event as string | symbol] ?? store[`~${String(event)}`];
    if (entry === undefined) return false;
    if (!Array.isArray(entry)) {
      this.#invoke(event, entry, args);
      return true;
    }
    // removeListener replaces the array rather than mutating it, so iterating this one is safe.
    for (let i = 0; i < entry.length; i++) this.#invoke(event, entry[i]!, args);
    return true;
  }

  #invoke(event: unknown, listener: Registered, args: unknown[]): void {
    if (listener.once) this.removeListener(event as never, listener.fn as never, undefined, true);
    try {
      listener.fn.apply(listener.context, args);
    } catch (err) {
      this.#report(event, err);
    }
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
