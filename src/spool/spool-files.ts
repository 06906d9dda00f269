import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode } from '../errors/codes.js';
import { ProcwardError } from '../errors/procward-error.js';

// 16 digits hold every safe integer (Number.MAX_SAFE_INTEGER has 16), so names sort as offsets do.
const OFFSET_DIGITS = 16;
const SEGMENT_NAME = /^(\d{16})\.out$/;

/** Written once the output is complete; followers finish when they have read up to the end. */
export const CLOSED_MARKER = 'closed';

/** One segment file: `size` bytes starting at absolute offset `start`. */
export interface Segment {
  start: number;
  size: number;
  path: string;
}

export function segmentPath(dir: string, start: number): string {
  return join(dir, `${String(start).padStart(OFFSET_DIGITS, '0')}.out`);
}

/** Offset just past the newest byte on disk (0 for a spool with no segment yet). */
export function endOf(segments: readonly Segment[]): number {
  const last = segments.at(-1);
  return last ? last.start + last.size : 0;
}

/**
 * Segments on disk, oldest first. A file that disappears between readdir and stat was rotated
 * away and is left out; so is anything with a segment's name that is not a regular file (a
 * symlink to /dev/zero or to another user's file, a FIFO, a directory): procward writes only
 * regular files, and reading through one of those would block, never end or leak another file. Extents are clipped at the next segment's start: the writer never makes
 * them overlap, but a child still appending to a file the host has rolled past would, and the
 * newer file is the one the offsets were handed out from.
 */
export function listSegments(dir: string): Segment[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (error) {
    throw spoolDirError(dir, error);
  }
  const segments: Segment[] = [];
  for (const name of names) {
    const match = SEGMENT_NAME.exec(name);
    if (!match) continue;
    const path = join(dir, name);
    try {
      const st = lstatSync(path);
      if (st.isFile()) segments.push({ start: Number(match[1]), size: st.size, path });
    } catch (error) {
      if (!isMissing(error)) throw error;
    }
  }
  segments.sort((a, b) => a.start - b.start);
  for (let i = 0; i + 1 < segments.length; i++) {
    const s = segments[i]!;
    s.size = Math.min(s.size, segments[i + 1]!.start - s.start);
  }
  return segments;
}

export function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

function spoolDirError(dir: string, error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new ProcwardError(ErrorCode.NOT_FOUND, `Spool directory "${dir}" does not exist (${code}); a SpoolWriter creates it, so check the path or create the writer first.`, { cause: error });
  }
  return error;
}
