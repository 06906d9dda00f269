import { closeSync, constants, fdatasyncSync, mkdirSync, openSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidOptionsError, NotRunningError } from '../errors/procward-error.js';
import { touchMarker } from '../state-dir/marker-file.js';
import { CLOSED_MARKER, endOf, isMissing, listSegments, segmentPath, type Segment } from './spool-files.js';
import { loadSpoolOptions, resolveSpoolOptions, saveSpoolOptions, type SpoolOptions } from './spool-options.js';

// O_NOFOLLOW: a symlink planted at a segment's name (to a file of the host's) fails the open
// (ELOOP) instead of receiving the output.
const APPEND_FLAGS = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | (constants.O_NOFOLLOW ?? 0);

/**
 * A process's output on disk, in segment files named by the absolute offset of their first byte
 * (`<dir>/0000000000000000.out`, …), so that output survives a host restart and reads back with
 * the same offsets as an OutputBuffer (see readSpool, followSpool).
 *
 * Appends are synchronous writes to an O_APPEND fd: once append() returns the bytes are in the
 * kernel, in arrival order, and survive the host being killed at any moment after. There is no
 * fsync per append (it would block the event loop for milliseconds per chunk on a real disk), so
 * a power loss or kernel crash may lose the unsynced tail; close({ final: true }) syncs once.
 * A crash mid-append leaves a torn chunk at the end of the newest segment: offsets stay exact
 * (they come from file sizes) and the next writer continues after it.
 *
 * Rotation: a segment is filled to exactly `segmentBytes` (a chunk may be split across two
 * files) and then the next one is started; after each append the oldest segments are deleted
 * while the total exceeds `maxBytes`. The newest segment is never deleted, so between
 * `maxBytes - segmentBytes` and `maxBytes` bytes stay readable.
 *
 * One writer per directory: two writers (or a writer and a child, see openForChild) appending at
 * once would hand out the same offsets twice.
 *
 * @example
 * const spool = new SpoolWriter(dir, { maxBytes: 8 * 1024 * 1024 });
 * child.stdout.on('data', (b: Buffer) => spool.append(b));
 * child.on('exit', () => spool.close({ final: true }));
 */
export class SpoolWriter {
  readonly dir: string;
  readonly maxBytes: number;
  readonly segmentBytes: number;
  #segments: Segment[] = []; // on disk, oldest first; host appends go to the last
  #total = 0;
  #end = 0;
  #fd: number | undefined; // open on the last segment, opened lazily
  #closed = false;

  /**
   * Creates the directory if needed, records the limits in it, and continues after whatever
   * output is already there. Removes a `closed` marker: the output goes on.
   */
  constructor(dir: string, options: SpoolOptions) {
    const resolved = resolveSpoolOptions(options);
    this.dir = dir;
    this.maxBytes = resolved.maxBytes;
    this.segmentBytes = resolved.segmentBytes;
    mkdirSync(dir, { recursive: true });
    saveSpoolOptions(dir, resolved);
    rmSync(join(dir, CLOSED_MARKER), { force: true });
    this.#rescan();
    this.#rotate();
  }

  /**
   * Continues an existing spool after a host restart, with the limits its first writer recorded
   * unless `options` replaces them. Throws NOT_FOUND if the directory does not exist.
   */
  static open(dir: string, options?: SpoolOptions): SpoolWriter {
    listSegments(dir); // the NOT_FOUND check, with its message
    const limits = options ?? loadSpoolOptions(dir);
    if (!limits) {
      throw new InvalidOptionsError(`SpoolWriter.open("${dir}")`, [{ path: 'maxBytes', message: 'the spool has no recorded limits (spool.json); pass options' }]);
    }
    return new SpoolWriter(dir, limits);
  }

  /**
   * A file descriptor (O_WRONLY|O_APPEND|O_CREAT) on a fresh segment named by the current end
   * offset, to give a child as stdout/stderr so that it keeps writing while no host runs. Old
   * segments are rotated first, with `options` or the recorded limits.
   *
   * Limitation: nothing rotates while the child writes, so its one segment grows without bound.
   * Close the fd in the host once the child has it. While the child runs, do not append to the
   * spool from the host; afterwards open it again (or call rotateIfNeeded on a live writer)
   * before appending, so the host picks up the child's bytes in its offsets.
   *
   * @example
   * const fd = SpoolWriter.openForChild(dir, { maxBytes: 1 << 20 });
   * const child = spawn(cmd, args, { stdio: ['ignore', fd, fd], detached: true });
   * closeSync(fd);
   */
  static openForChild(dir: string, options?: SpoolOptions): number {
    const writer = options ? new SpoolWriter(dir, options) : SpoolWriter.open(dir);
    writer.close();
    // An empty newest segment already has this name: O_CREAT without O_EXCL reuses it.
    return openSync(segmentPath(dir, writer.end), APPEND_FLAGS, 0o644);
  }

  /** Writes the `closed` marker: followers finish once they have read everything before it. */
  static markClosed(dir: string): void {
    touchMarker(join(dir, CLOSED_MARKER));
  }

  /** Offset of the oldest byte still on disk. */
  get start(): number {
    return this.#segments[0]?.start ?? this.#end;
  }
  /** Offset just past the newest byte: everything ever written, across reopenings. */
  get end(): number {
    return this.#end;
  }

  /**
   * Appends `data` to the spool before returning. Throws the fs error (e.g. ENOSPC) if the disk
   * refuses it; bytes already written by then are counted, so offsets stay exact.
   */
  append(data: Buffer): void {
    if (this.#closed) {
      throw new NotRunningError(`SpoolWriter for "${this.dir}" is closed; use SpoolWriter.open(dir) to continue it.`);
    }
    let done = 0;
    while (done < data.length) {
      const segment = this.#current();
      const n = Math.min(this.segmentBytes - segment.size, data.length - done);
      let written = 0;
      try {
        while (written < n) written += writeSync(this.#fd!, data, done + written, n - written);
      } finally {
        segment.size += written;
        this.#total += written;
        this.#end += written;
      }
      done += n;
    }
    this.#rotate();
  }

  /**
   * Catches up with bytes a child wrote through an openForChild fd, then deletes the oldest
   * segments past maxBytes. Never deletes the newest segment, so it is safe while a child still
   * writes; host appends after it go to a new segment once the newest one is full.
   */
  rotateIfNeeded(): void {
    this.#closeFd();
    this.#rescan();
    this.#rotate();
  }

  /** Closes the file. With `final`, syncs the data to disk and then writes the `closed` marker. */
  close(options: { final?: boolean } = {}): void {
    if (this.#closed) return;
    this.#closed = true;
    // Sync before the marker, so that a marker that reached the disk vouches for the data.
    if (options.final && this.#fd !== undefined) fdatasyncSync(this.#fd);
    this.#closeFd();
    if (options.final) SpoolWriter.markClosed(this.dir);
  }

  /** The segment to append to, starting a new one when the last is full. */
  #current(): Segment {
    let last = this.#segments.at(-1);
    if (!last || last.size >= this.segmentBytes) {
      this.#closeFd();
      last = { start: this.#end, size: 0, path: segmentPath(this.dir, this.#end) };
      this.#segments.push(last);
    }
    // Also the reopen case: a writer continues in the newest segment, after a torn tail if any.
    this.#fd ??= openSync(last.path, APPEND_FLAGS, 0o644);
    return last;
  }

  #rotate(): void {
    while (this.#total > this.maxBytes && this.#segments.length > 1) {
      const oldest = this.#segments.shift()!;
      this.#total -= oldest.size;
      try {
        unlinkSync(oldest.path);
      } catch (error) {
        if (!isMissing(error)) throw error;
      }
    }
  }

  #rescan(): void {
    this.#segments = listSegments(this.dir);
    this.#total = this.#segments.reduce((sum, s) => sum + s.size, 0);
    this.#end = endOf(this.#segments);
  }

  #closeFd(): void {
    if (this.#fd === undefined) return;
    closeSync(this.#fd);
    this.#fd = undefined;
  }
}
