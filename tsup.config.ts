import { defineConfig, type Options } from 'tsup';

const shared: Options = {
  entry: ['src/index.ts'],
  sourcemap: true,
  target: 'node20',
  platform: 'node',
  // import.meta.url (used to find the terminal addon, @lydell/node-pty) in the CommonJS build too.
  shims: true,
};

export default defineConfig([
  { ...shared, format: ['esm'], dts: true, clean: true },
  // p-queue and p-timeout ship ESM only; bundling them into the CommonJS build keeps
  // `require('procward')` working on every Node 20 release, not only those with require(esm).
  { ...shared, format: ['cjs'], dts: true, noExternal: ['p-queue', 'p-timeout'] },
]);
