/**
 * A segment can be deleted by rotation between readSpool's listing and its open(). That window
 * is too narrow to hit on purpose with a real writer, so openSync is wrapped to delete the file
 * first (a real unlink; only the timing is arranged).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { readSpool } from '../../src/spool/spool-reader.js';
import { SpoolWriter } from '../../src/spool/spool-writer.js';

const vanishing = vi.hoisted(() => ({ paths: new Set<string>() }));
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const openSync: typeof fs.openSync = (path, ...rest) => {
    if (vanishing.paths.delete(String(path))) fs.unlinkSync(path);
    return fs.openSync(path, ...rest);
  };
  return { ...fs, default: { ...fs, openSync }, openSync };
});

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'procward-spool-vanish-'));
});
afterEach(() => {
  vanishing.paths.clear();
  rmSync(dir, { recursive: true, force: true });
});

const segment = (start: number) => join(dir, `${String(start).padStart(16, '0')}.out`);

it('counts a segment deleted before any byte was read as dropped', () => {
  const w = new SpoolWriter(dir, { maxBytes: 100, segmentBytes: 5 });
  w.append(Buffer.from('aaaaabbbbbccccc'));
  vanishing.paths.add(segment(0));
  vanishing.paths.add(segment(5));
  const r = readSpool(dir, { since: 2, limit: 4 });
  expect(r).toMatchObject({ from: 10, to: 14, dropped: 8, end: 15 });
  expect(r.data.toString()).toBe('cccc');
  w.close();
});

it('stops before a segment deleted after bytes were read, so data stays contiguous', () => {
  const w = new SpoolWriter(dir, { maxBytes: 100, segmentBytes: 5 });
  w.append(Buffer.from('aaaaabbbbbccccc'));
  vanishing.paths.add(segment(5));
  const r = readSpool(dir, { since: 3 });
  expect(r).toMatchObject({ from: 3, to: 5, dropped: 0 });
  expect(r.data.toString()).toBe('aa');
  expect(readSpool(dir, { since: r.to })).toMatchObject({ from: 10, to: 15, dropped: 5 });
  w.close();
});
