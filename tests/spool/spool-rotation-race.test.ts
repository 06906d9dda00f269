import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { followSpool } from '../../src/spool/spool-reader.js';
import { waitFor } from '../helpers/proc.js';

const WRITER = fileURLToPath(new URL('./fixtures/patterned-writer.ts', import.meta.url));
const TOTAL = 1_000_000;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'procward-spool-race-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

it('reads every byte at its offset while another process rotates segments away under it', async () => {
  const spool = join(dir, 'spool');
  const writer = spawn(process.execPath, ['--import', 'tsx', WRITER, spool, String(TOTAL)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<number | null>((resolve) => writer.on('exit', resolve));
  let stdout = '';
  writer.stdout.on('data', (d: Buffer) => (stdout += d));
  await waitFor(() => stdout.includes('READY'), 'the writer to create its spool', 30_000);

  let cursor = 0;
  let received = 0;
  let dropped = 0;
  for await (const chunk of followSpool(spool, { since: 0, pollMs: 1 })) {
    // No gap and no overlap: each chunk starts where the last ended, plus what was rotated away.
    expect(chunk.offset).toBe(cursor + chunk.dropped);
    for (let i = 0; i < chunk.data.length; i++) {
      if (chunk.data[i] !== (chunk.offset + i) % 251) expect.fail(`byte at offset ${chunk.offset + i} is wrong`);
    }
    cursor = chunk.offset + chunk.data.length;
    received += chunk.data.length;
    dropped += chunk.dropped;
  }
  expect(await exited).toBe(0);
  expect(cursor).toBe(TOTAL);
  expect(received + dropped).toBe(TOTAL);
});
