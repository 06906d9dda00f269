import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { parseOptions } from '../options/schemas.js';
import { isMissing } from './spool-files.js';

// The limits live next to the segments so that a host restarted without them (SpoolWriter.open)
// rotates the spool the way its first writer did.
const OPTIONS_FILE = 'spool.json';

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
  // Write-then-rename: a host killed mid-write leaves the old file, never a torn one.
  writeFileSync(`${file}.tmp`, `${JSON.stringify(options)}\n`);
  renameSync(`${file}.tmp`, file);
}

/** The limits the spool was created with, or undefined if no writer recorded them. */
export function loadSpoolOptions(dir: string): ResolvedSpoolOptions | undefined {
  let text: string;
  try {
    text = readFileSync(join(dir, OPTIONS_FILE), 'utf8');
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = text;
  }
  return resolveSpoolOptions(parsed, `spool options recorded in ${join(dir, OPTIONS_FILE)}`);
}
