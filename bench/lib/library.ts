/**
 * The library as a user gets it: the built package in dist/ (`npm run bench` builds it first),
 * typed from src/. Running src/ through tsx instead measured the loader's transform: its keepNames
 * wrapping of every closure more than doubled the library's own time per spawn.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type * as Root from '../../src/index.js';
import type * as Parsers from '../../src/entries/parsers.js';

async function load<T>(file: string): Promise<T> {
  const url = new URL(`../../dist/${file}`, import.meta.url);
  if (!existsSync(fileURLToPath(url))) throw new Error(`bench: dist/${file} is missing; run \`npm run build\` first (npm run bench does)`);
  return (await import(url.href)) as T;
}

const root = await load<typeof Root>('index.js');
const parsers = await load<typeof Parsers>('parsers.js');

export const ProcessManager = root.ProcessManager;
export type ProcessManager = Root.ProcessManager;
export type ManagedProcess = Root.ManagedProcess;
export type SpawnOptions = Root.SpawnOptions;
export const JsonLinesParser = parsers.JsonLinesParser;
export type JsonLinesParser = Parsers.JsonLinesParser;
