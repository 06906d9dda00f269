import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/**
 * A tmux server socket of this test file's own (so that parallel files and other users of tmux
 * never meet), whose server is killed and socket file removed after the file's last test.
 */
export function tmuxTestSocket(name: string): string {
  const socket = `procward-${name}-${process.pid}`;
  afterAll(() => {
    try {
      execFileSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' });
    } catch {
      /* no server left */
    }
    rmSync(join(process.env.TMUX_TMPDIR || '/tmp', `tmux-${process.getuid!()}`, socket), { force: true });
  });
  return socket;
}
