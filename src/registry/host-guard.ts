import { HostWatchdog } from '../watchdog/host-watchdog.js';
import { guardHostExit, releaseHostExit } from './host-exit.js';

/**
 * What kills a manager's trees when its host dies without shutdown(): the `exit` hook for a host
 * that exits (synchronous SIGKILL of every live tree), and the watchdog process for one that is
 * killed (SIGKILL, the OOM killer), which learns of every leader as it starts and ends.
 */
export class HostGuard {
  readonly #watchdog: HostWatchdog | undefined;
  readonly #exitHook: (() => void) | undefined;
  #hooked = false;

  constructor(managerId: string, createdTicks: number, o: { watchdog: boolean; killOnHostExit: boolean }, killSync: () => void) {
    if (o.watchdog && HostWatchdog.supported) this.#watchdog = new HostWatchdog(managerId, createdTicks);
    if (o.killOnHostExit) this.#exitHook = killSync;
  }

  get watchdogPid(): number | undefined {
    return this.#watchdog?.pid;
  }

  /** A leader started or its attempt ended; a persisted process is the one the watchdog must spare. */
  leader(pid: number, running: boolean, persist: boolean): void {
    if (persist) return;
    if (running) this.#watchdog?.guard(pid);
    else this.#watchdog?.release(pid);
  }

  /** The count of live processes changed: the exit hook is needed from the first until the last ends. */
  live(count: number): void {
    if (!this.#exitHook || count > 0 === this.#hooked) return;
    this.#hooked = count > 0;
    if (this.#hooked) guardHostExit(this.#exitHook);
    else releaseHostExit(this.#exitHook);
  }

  close(): void {
    this.#watchdog?.close();
    this.live(0);
  }
}
