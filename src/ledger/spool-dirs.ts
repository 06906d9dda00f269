import { existsSync, rmSync } from 'node:fs';
import { ProcwardError } from '../errors/procward-error.js';
import { pathInside, untrustedDir } from '../state-dir/inside.js';
import { isProcwardId } from '../state-dir/process-id.js';

/**
 * Where the spools of a stateDir are (`<stateDir>/spool/<id>`), and whether one may be read,
 * written or deleted: the one place a spool path is made, so that no id can lead outside stateDir
 * and no symlinked directory is followed.
 */
export class SpoolDirs {
  readonly #stateDir: string;
  readonly #onError: (error: ProcwardError) => void;

  constructor(stateDir: string, onError: (error: ProcwardError) => void) {
    this.#stateDir = stateDir;
    this.#onError = onError;
  }

  /**
   * The spool directory of a procward id, undefined for any other string: an id such as
   * `../../x` or `..` would otherwise name a directory outside stateDir (or stateDir itself),
   * which removal deletes recursively.
   */
  of(id: string): string | undefined {
    return isProcwardId(id) ? pathInside(this.#stateDir, 'spool', id) : undefined;
  }

  /** The spool directory of `id` if it can be read, written or deleted safely; else reports why (when `report`) and gives undefined. */
  trusted(id: string, report: boolean): string | undefined {
    const dir = this.of(id);
    if (!dir) return undefined;
    const problem = untrustedDir(this.#stateDir, dir);
    if (!problem) return dir;
    if (report) this.#onError(new ProcwardError('STATE_FAILED', `The spool of ${id} is left alone: ${problem} (procward makes only plain directories there).`, { processId: id }));
    return undefined;
  }

  /**
   * For removing many spools at once: whether there are any to remove (a `spool` directory exists
   * and can be trusted; checked once, reported once). A symlink at `spool/<id>` is only unlinked by
   * the recursive removal, never followed, so the root is all that needs checking.
   */
  removable(count: number): boolean {
    const root = pathInside(this.#stateDir, 'spool')!;
    const problem = untrustedDir(this.#stateDir, root);
    if (!problem) return existsSync(root);
    this.#onError(new ProcwardError('STATE_FAILED', `The spools of ${count} pruned entries are left alone: ${problem} (procward makes only plain directories there).`));
    return false;
  }

  /** Removes a spool directory found by of() or trusted(); a failure is reported, never thrown. */
  remove(id: string, dir: string): void {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch (err) {
      this.#onError(new ProcwardError('STATE_FAILED', `Removing the spool of ${id} (${dir}) failed: ${(err as Error).message}`, { cause: err, processId: id }));
    }
  }
}
