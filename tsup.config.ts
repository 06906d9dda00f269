import { defineConfig, type Options } from 'tsup';

// One entry per package.json export: the root and each subpath (src/entries/). Names here are
// the file names in dist/ that the exports map points at.
export const entries = {
  index: 'src/index.ts',
  agents: 'src/entries/agents.ts',
  parsers: 'src/entries/parsers.ts',
  spool: 'src/entries/spool.ts',
  server: 'src/entries/server.ts',
  client: 'src/entries/client.ts',
};

const shared: Options = {
  entry: entries,
  sourcemap: true,
  target: 'node20',
  platform: 'node',
  // import.meta.url (used to find the terminal addon, @lydell/node-pty) in the CommonJS build too.
  shims: true,
  // Code shared by several entries goes to one chunk per format, so `procward` and
  // `procward/agents` loaded together hold one ProcwardError class (and one of everything else):
  // `instanceof` holds across entries of the same format. Without it each CommonJS entry would
  // carry its own copy. (ESM and CommonJS are still two copies: the brand covers that.)
  splitting: true,
  // Declarations leave out what is marked @internal (constructors only the library calls, the
  // error brand): hosts see the surface they may use, and the types cannot drift into promises.
  dts: { compilerOptions: { stripInternal: true } },
};

export default defineConfig([
  { ...shared, format: ['esm'], clean: true },
  // p-queue and p-timeout ship ESM only; bundling them into the CommonJS build keeps
  // `require('procward')` working on every Node 20 release, not only those with require(esm).
  // treeshake hands the split CommonJS output to rollup. Without it tsup converts each chunk
  // with sucrase, which also rewrites `??` and `?.` into calls of module-level helpers
  // (_nullishCoalesce, _optionalChain): the watchdog's reaper, run from its function's text in a
  // process of its own (src/watchdog/host-watchdog.ts), would then call helpers it does not have.
  { ...shared, format: ['cjs'], noExternal: ['p-queue', 'p-timeout'], treeshake: true },
]);
