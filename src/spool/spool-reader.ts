import { closeSync, constants, existsSync, fstatSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { z } from 'zod';
import { parseOptions } from '../options/schemas.js';
import { CLOSED_MARKER, endOf, isMissing, listSegments } from './spool-files.js';

// A follower polls instead of relying on fs.watch alone: a child writing through its own fd on
// a network or overlay filesystem may raise no event at all, and an empty poll costs one readdir
// plus one stat per segment.
const DEFAULT_POLL_MS = 100;
// Bytes a follower reads per chunk: bounds its memory when it starts far behind the writer.
const FOLLOW_READ_BYTES = 1024 * 1024;
// A segment swapped for a symlink or a FIFO after it was listed is not followed or waited on.
const SEGMENT_OPEN_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

export interface SpoolReadOptions {
  /** Absolute offset to read from; defaults to the oldest byte still on disk. */
  since?: number;
  /** Maximum number of bytes to return. */
  limit?: number;
}

export interface SpoolReadResult {
  data: Buffer;
  /** Offset of data[0]. */
  from: number;
  /** Offset just past the last byte returned: pass it as `since` to continue. */
  to: number;
  /** Bytes asked for (from `since`) that were rotated away before this read. */
  dropped: number;
  /** Offset just past the newest byte on disk when the read began. */
  end: number;
}

export const FollowSpoolOptionsSchema = z.strictObject({
  /** Absolute offset to start from. @default the oldest byte still on disk */
  since: z.number().int().nonnegative().optional(),
  /** Ends the follow (without an error) when aborted. */
  signal: z.instanceof(AbortSignal).optional(),
  /** How often the files are checked for growth. @default 100 */
  pollMs: z.number().positive().optional(),
});
export type FollowSpoolOptions = z.input<typeof FollowSpoolOptionsSchema>;

export interface SpoolChunk {
  data: Buffer;
  /** Offset of data[0]. */
  offset: number;
  /** Bytes the follower missed just before this chunk because they were rotated away first. */
  dropped: number;
}

/**
 * Reads a spool written by SpoolWriter, with OutputBuffer.read's semantics. Bytes are bytes: a
 * torn chunk at the end of the newest segment (a crash mid-write) is returned as it is.
 *
 * A segment deleted by rotation during the read counts as dropped if nothing was read before it;
 * otherwise the read stops there, so `data` is always contiguous and the next read reports it.
 *
 * Throws ProcwardError NOT_FOUND, naming the directory, if it does not exist: a SpoolWriter
 * creates it at once, so a missing directory is a wrong path, not an empty spool.
 *
 * @example
 * let since = 0;
 * const { data, to, dropped } = readSpool(dir, { since, limit: 65536 });
 * since = to;
 */
export function readSpool(dir: string, options: SpoolReadOptions = {}): SpoolReadResult {
  const segments = listSegments(dir);
  const start = segments[0]?.start ?? 0;
  const end = endOf(segments);
  const requested = options.since ?? start;
  const limit = Math.max(0, options.limit ?? Number.POSITIVE_INFINITY);
  let from = Math.min(Math.max(requested, start), end);
  let to = Math.min(end, from + limit);
  const parts: Buffer[] = [];
  let pos = from;
  for (const segment of segments) {
    if (pos >= to) break;
    const segmentEnd = segment.start + segment.size;
    if (segmentEnd <= pos) continue;
    if (segment.start > pos) {
      // A hole (deleted by hand): skipped as dropped only before the first byte, like rotation.
      if (pos > from) break;
      from = pos = segment.start;
      to = Math.min(end, from + limit);
    }
    const want = Math.min(segmentEnd, to) - pos;
    const data = readRange(segment.path, pos - segment.start, want);
    if (data === undefined) {
      // Rotated away since the listing: dropped if nothing was read yet, else the read stops here.
      if (pos > from) break;
      from = pos = segmentEnd;
      to = Math.min(end, from + limit);
      continue;
    }
    parts.push(data);
    pos += data.length;
    if (data.length < want) break; // shorter than listed: truncated by hand
  }
  to = pos;
  const dropped = Math.max(0, from - requested);
  const data = parts.length === 1 ? parts[0]! : Buffer.concat(parts, to - from);
  return { data, from, to, dropped, end };
}

/**
 * Replays the spool from `since`, then follows it as it grows (from a host's appends or a
 * child's own fd), until the `closed` marker exists and everything before it has been read, or
 * until `signal` aborts. Reads are synchronous, at most 1 MiB per chunk.
 *
 * @example
 * for await (const { data, dropped } of followSpool(dir, { signal })) {
 *   if (dropped) console.warn(`${dropped} bytes rotated away`);
 *   process.stdout.write(data);
 * }
 */
export async function* followSpool(dir: string, options: FollowSpoolOptions = {}): AsyncGenerator<SpoolChunk, void, undefined> {
  const { since, signal, pollMs = DEFAULT_POLL_MS } = parseOptions(FollowSpoolOptionsSchema, options, 'followSpool options');
  let cursor = since;
  let dropped = 0;
  while (!signal?.aborted) {
    // Looked at before reading: the writer appends its last bytes before the marker, so a read
    // that starts after the marker was seen reaches the true end.
    const closed = existsSync(join(dir, CLOSED_MARKER));
    const r = readSpool(dir, { since: cursor, limit: FOLLOW_READ_BYTES });
    // A directory listing taken while the writer starts a segment may miss the newest one: the
    // spool then looks shorter than what was already read. The cursor never goes back.
    if (cursor !== undefined && r.to < cursor) {
      await delay(pollMs, undefined, { signal }).catch((error: unknown) => {
        if (!signal?.aborted) throw error;
      });
      continue;
    }
    cursor = r.to;
    dropped += r.dropped;
    if (r.data.length > 0) {
      yield { data: r.data, offset: r.from, dropped };
      dropped = 0;
      continue;
    }
    if (closed) {
      if (dropped > 0) yield { data: Buffer.alloc(0), offset: cursor, dropped };
      return;
    }
    await delay(pollMs, undefined, { signal }).catch((error: unknown) => {
      if (!signal?.aborted) throw error;
    });
  }
}

/**
 * `length` bytes at `position` of a file, fewer if it is shorter; undefined if it is gone, or is
 * no longer a regular file (replaced since it was listed: read as if rotated away).
 */
function readRange(path: string, position: number, length: number): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(path, SEGMENT_OPEN_FLAGS);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (isMissing(error) || code === 'ELOOP') return undefined;
    throw error;
  }
  try {
    if (!fstatSync(fd).isFile()) return undefined;
    const buffer = Buffer.allocUnsafe(length);
    let got = 0;
    while (got < length) {
      const n = readSync(fd, buffer, got, length - got, position + got);
      if (n === 0) break;
      got += n;
    }
    return got === length ? buffer : buffer.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}
