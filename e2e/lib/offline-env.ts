// Everything the real CLIs need to run offline against the local mocks: throw-away home and temp dirs, the
// variables that turn off their own network traffic, and a deny proxy that catches anything that slips through.
import { existsSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type DenyProxy, startDenyProxy } from './deny-proxy.js';

export const e2eRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
export const claudeBin = join(e2eRoot, 'node_modules', '.bin', 'claude');
export const codexBin = join(e2eRoot, 'node_modules', '.bin', 'codex');

/**
 * Whether the CLIs are installed (`npm ci` in e2e/). Claude's bin starts as a small placeholder that its
 * postinstall replaces with the native binary, so a skipped install script counts as not installed.
 */
export function cliInstalled(which?: 'claude' | 'codex'): boolean {
  const claude = existsSync(claudeBin) && statSync(claudeBin).size > 1_000_000;
  const codex = existsSync(codexBin) && existsSync(join(e2eRoot, 'node_modules', '@openai', 'codex-linux-x64'));
  return which === 'claude' ? claude : which === 'codex' ? codex : claude && codex;
}

export interface OfflineDirs {
  /** Holds home, tmp and work; under the OS temp dir, outside any git repository. */
  root: string;
  home: string;
  tmp: string;
  /** An empty directory to run the CLI in (its cwd). */
  work: string;
  /** Codex only: CODEX_HOME with config.toml, under e2e/.tmp (the CLI wants it outside /tmp). */
  codexHome?: string;
}

export interface OfflineEnv {
  /** The whole environment for the child: spawn with it alone (procward: inheritEnv: false). */
  env: Record<string, string>;
  dirs: OfflineDirs;
  /** Records any attempt to reach a host other than 127.0.0.1/localhost. */
  proxy: DenyProxy;
  cleanup(): Promise<void>;
}

export interface OfflineEnvOptions {
  /** Share one proxy between envs; then cleanup() leaves it running. By default each env starts its own. */
  proxy?: DenyProxy;
  /** Extra variables, applied last. */
  extra?: Record<string, string>;
}

function proxyVars(url: string): Record<string, string> {
  // Both spellings: Bun and reqwest read different ones, and child shells may run curl or git.
  const noProxy = '127.0.0.1,localhost,::1';
  return {
    HTTP_PROXY: url,
    HTTPS_PROXY: url,
    ALL_PROXY: url,
    NO_PROXY: noProxy,
    http_proxy: url,
    https_proxy: url,
    all_proxy: url,
    no_proxy: noProxy,
  };
}

async function makeDirs(): Promise<OfflineDirs> {
  const root = await mkdtemp(join(tmpdir(), 'procward-e2e-'));
  const dirs = { root, home: join(root, 'home'), tmp: join(root, 'tmp'), work: join(root, 'work') };
  await Promise.all([dirs.home, dirs.tmp, dirs.work].map((d) => mkdir(d, { recursive: true })));
  return dirs;
}

function baseEnv(dirs: OfflineDirs, proxyUrl: string): Record<string, string> {
  // Built from scratch, not from process.env, so no developer key, config dir or provider switch leaks in.
  return {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: dirs.home,
    TMPDIR: dirs.tmp,
    USER: process.env.USER ?? 'e2e',
    LANG: 'C.UTF-8',
    SHELL: '/bin/bash',
    XDG_CONFIG_HOME: join(dirs.home, '.config'),
    XDG_CACHE_HOME: join(dirs.home, '.cache'),
    XDG_DATA_HOME: join(dirs.home, '.local', 'share'),
    XDG_STATE_HOME: join(dirs.home, '.local', 'state'),
    ...proxyVars(proxyUrl),
    // The root test suite's leak check finds its children by this marker; keep it across a fresh env.
    ...(process.env.PROCWARD_TEST_RUN ? { PROCWARD_TEST_RUN: process.env.PROCWARD_TEST_RUN } : {}),
  };
}

async function finish(dirs: OfflineDirs, env: Record<string, string>, options: OfflineEnvOptions, ownProxy: boolean, proxy: DenyProxy): Promise<OfflineEnv> {
  return {
    env: { ...env, ...options.extra },
    dirs,
    proxy,
    cleanup: async () => {
      if (ownProxy) await proxy.close();
      await rm(dirs.root, { recursive: true, force: true });
      if (dirs.codexHome) await rm(dirs.codexHome, { recursive: true, force: true });
    },
  };
}

/** Env for `claude -p …` against startAnthropicMock's url. */
export async function claudeEnv(mockUrl: string, options: OfflineEnvOptions = {}): Promise<OfflineEnv> {
  const proxy = options.proxy ?? (await startDenyProxy());
  const dirs = await makeDirs();
  const env = {
    ...baseEnv(dirs, proxy.url),
    ANTHROPIC_BASE_URL: mockUrl,
    ANTHROPIC_API_KEY: 'sk-ant-e2e-dummy',
    // Without these four the CLI contacts its vendor's hosts directly, whatever the base URL.
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_TELEMETRY: '1',
    DISABLE_AUTOUPDATER: '1',
    DISABLE_ERROR_REPORTING: '1',
    // A failed request ends the run at once instead of ~3 minutes of back-off.
    CLAUDE_CODE_MAX_RETRIES: '0',
  };
  return finish(dirs, env, options, options.proxy === undefined, proxy);
}

/**
 * config.toml for a custom provider on the mock. Retries off so an HTTP error ends `codex exec` at once (with the
 * defaults a 500 is tried 30 times over ~25 s). The model is pinned to 0.169's default, whose tool set (code-mode
 * `exec`) the mock's shell reply is shaped for. Full access because the work dir is throw-away and the default
 * read-only sandbox depends on the host kernel and creates /tmp/codex-daemon-<uid> whatever TMPDIR says.
 */
export function codexConfig(mockUrl: string): string {
  return `model = "gpt-6.1-sol"
model_provider = "mock"
approval_policy = "never"
sandbox_mode = "danger-full-access"
check_for_update_on_startup = false

[model_providers.mock]
name = "mock"
base_url = "${mockUrl}/v1"
env_key = "MOCK_API_KEY"
wire_api = "responses"
supports_websockets = false
request_max_retries = 0
stream_max_retries = 0
stream_idle_timeout_ms = 30000

[analytics]
enabled = false

[features]
plugins = false
`;
}

/** Env for `codex exec --json …` against startResponsesMock's url. */
export async function codexEnv(mockUrl: string, options: OfflineEnvOptions = {}): Promise<OfflineEnv> {
  const proxy = options.proxy ?? (await startDenyProxy());
  const dirs: OfflineDirs = await makeDirs();
  await mkdir(join(e2eRoot, '.tmp'), { recursive: true });
  dirs.codexHome = await mkdtemp(join(e2eRoot, '.tmp', 'codex-home-'));
  await writeFile(join(dirs.codexHome, 'config.toml'), codexConfig(mockUrl));
  const env = {
    ...baseEnv(dirs, proxy.url),
    CODEX_HOME: dirs.codexHome,
    MOCK_API_KEY: 'sk-e2e-dummy',
  };
  return finish(dirs, env, options, options.proxy === undefined, proxy);
}
