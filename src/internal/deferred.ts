export interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (reason: unknown) => void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * Marks a promise we hand out as handled: the host may ignore it, and an ignored rejection must
 * never become an unhandled rejection (which ends a Node 20 process). Awaiting it still throws.
 */
export function handled<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}

/**
 * Runs `fn` and hands back its promise, marked handled; a synchronous throw (bad options) becomes a
 * rejection. The rule of the whole API: a method that returns a promise never throws.
 */
export function rejecting<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return handled(fn());
  } catch (err) {
    return handled(Promise.reject(err));
  }
}
