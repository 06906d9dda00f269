import { ErrorCode } from './codes.js';
import { ProcwardError } from './procward-error.js';

/**
 * Why no terminal could be had: `not-installed` (the package or its binary for this platform is
 * missing: an install with --omit=optional, an unsupported platform, node_modules copied from
 * another OS), `load-failed` (the binary is there but does not load: another libc, a corrupt file),
 * `unsupported-version` or `unexpected-shape` (an addon whose functions are not the ones driven here).
 */
export type PtyUnavailableReason = 'not-installed' | 'load-failed' | 'unsupported-version' | 'unexpected-shape';

/** A process asked for `pty: true` but no pseudo-terminal addon can be used on this host. */
export class PtyUnavailableError extends ProcwardError {
  readonly reason: PtyUnavailableReason;
  /** The package whose binary was looked for, e.g. `@lydell/node-pty-linux-x64`. */
  readonly packageName: string;
  /** Its version, when one was found. */
  readonly found: string | undefined;
  /** The version procward drives. */
  readonly supported: string;

  constructor(reason: PtyUnavailableReason, detail: string, facts: { packageName: string; found?: string; supported: string; install: string }, options?: { cause?: unknown; processId?: string }) {
    super(
      ErrorCode.PTY_UNAVAILABLE,
      `Pseudo-terminals are unavailable: ${detail}. Pipes work without it; for pty: true run \`${facts.install}\` ` +
        `(procward's optional dependency, ${facts.supported}; an install with --omit=optional leaves it out), ` +
        "or use pty: { backend: 'tmux' }.",
      options,
    );
    this.reason = reason;
    this.packageName = facts.packageName;
    this.found = facts.found;
    this.supported = facts.supported;
  }
}
