import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readSpool } from '../../src/spool/spool-reader.js';
import { SpoolWriter } from '../../src/spool/spool-writer.js';

let base: string;
let dir: string;
let secret: string;
beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), 'procward-spool-hostile-'));
  dir = join(base, 'spool');
  mkdirSync(dir);
  secret = join(base, 'secret.txt');
  writeFileSync(secret, 'not output\n');
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

describe('files in a spool that procward did not write', () => {
  it('a segment name that is a symlink (to /dev/zero, to another file) or a FIFO is not read', () => {
    writeFileSync(join(dir, '0000000000000000.out'), 'real\n');
    symlinkSync('/dev/zero', join(dir, '0000000000000005.out'));
    symlinkSync(secret, join(dir, '0000000000000010.out'));
    execFileSync('mkfifo', [join(dir, '0000000000000020.out')]);
    const r = readSpool(dir);
    expect(r.data.toString()).toBe('real\n');
    expect(r.end).toBe(5);
  });

  it('the closed marker is never written through a symlink; a segment symlink is never appended through', () => {
    symlinkSync(secret, join(dir, 'closed'));
    const w = new SpoolWriter(dir, { maxBytes: 1 << 20 });
    w.append(Buffer.from('out\n'));
    w.close({ final: true });
    expect(readFileSync(secret, 'utf8')).toBe('not output\n');
    expect(lstatSync(join(dir, 'closed')).isFile()).toBe(true);

    // The next segment's name, planted as a symlink: the append fails (ELOOP), the file is untouched.
    const next = new SpoolWriter(dir, { maxBytes: 1 << 20, segmentBytes: 4 });
    symlinkSync(secret, join(dir, '0000000000000004.out'));
    expect(() => next.append(Buffer.from('more'))).toThrow(expect.objectContaining({ code: 'ELOOP' }));
    expect(readFileSync(secret, 'utf8')).toBe('not output\n');
  });

  it('spool.json that is a FIFO or a symlink is refused (STATE_FAILED), without blocking', () => {
    new SpoolWriter(dir, { maxBytes: 1 << 20 }).close();
    rmSync(join(dir, 'spool.json'));
    execFileSync('mkfifo', [join(dir, 'spool.json')]);
    expect(() => SpoolWriter.open(dir)).toThrow(expect.objectContaining({ code: 'STATE_FAILED', message: expect.stringContaining('FIFO') }));
    rmSync(join(dir, 'spool.json'));
    symlinkSync('/dev/zero', join(dir, 'spool.json'));
    expect(() => SpoolWriter.open(dir)).toThrow(expect.objectContaining({ code: 'STATE_FAILED', message: expect.stringContaining('symbolic link') }));
  });
});
