import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ProcwardError } from '../errors/procward-error.js';
import { parseOptions } from '../options/schemas.js';
import { ownUid, readBounded } from '../state-dir/bounded-read.js';

// The limits live next to the segments so that a host restarted without them (SpoolWriter.open)
// rotates the spool the way its first writer did.
const OPTIONS_FILE = 'spool.json';
// spool.json holds two numbers: anything bigger is not one procward wrote.
const OPTIONS_MAX_BYTES = 4096;

export const SpoolOptionsSchema = z
  .strictObject({
    /** Bytes kept on disk in total; the oldest segments are deleted past it. */
    maxBytes: z.number().int().positive(),
    /** Size at which a new segment file is started. @default Math.floor(maxBytes / 4) (at least 1) */
    segmentBytes: z.number().int().positive().optional(),
  })
  .refine((o) => o.segmentBytes === undefined || o.segmentBytes <= o.maxBytes, {
    message: 'segmentBytes must not exceed maxBytes (rotation deletes whole segments)',
    path: ['segmentBytes'],
  });

export type SpoolOptions = z.input<typeof SpoolOptionsSchema>;
export interface ResolvedSpoolOptions {
  maxBytes: number;
  segmentBytes: number;
}

export function resolveSpoolOptions(input: unknown, what = 'SpoolWriter options'): ResolvedSpoolOptions {
  const o = parseOptions(SpoolOptionsSchema, input, what);
  return { maxBytes: o.maxBytes, segmentBytes: o.segmentBytes ?? Math.max(1, Math.floor(o.maxBytes / 4)) };
}

export function saveSpoolOptions(dir: string, options: ResolvedSpoolOptions): void {
  const file = join(dir, OPTIONS_FILE);
  // Write-then-rename: a host killed mid-write leaves the old file, never a torn one. The temp
  // file is created afresh (O_EXCL after removing whatever is there): never written through a
  // symlink left at its name.
  const tmp = `${file}.tmp`;
  rmSync(tmp, { force: true });
  writeFileSync(tmp, `${JSON.stringify(options)}\n`, { flag: 'wx' });
  renameSync(tmp, file);
}

/**
 * The limits the spool was created with, or undefined if no writer recorded them. Throws
 * STATE_FAILED if spool.json is not a small regular file of this process's uid (see readBounded).
 */
export function loadSpoolOptions(dir: string): ResolvedSpoolOptions | undefined {
  const path = join(dir, OPTIONS_FILE);
  const file = readBounded(path, { maxBytes: OPTIONS_MAX_BYTES, uid: ownUid() });
  if ('missing' in file) return undefined;
  if ('problem' in file) throw new ProcwardError('STATE_FAILED', `The spool options ${path} cannot be read: ${file.problem}.`, { cause: file.cause });
  const text = file.data.toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = text;
  }
  return resolveSpoolOptions(parsed, `spool options recorded in ${join(dir, OPTIONS_FILE)}`);
}
