import type { z } from 'zod';
import { InvalidOptionsError } from '../errors/procward-error.js';
import type { SpawnOptions } from '../options/schemas.js';

/**
 * A command a client may start, by name. The client sends only the name and `params`; the
 * template's schema checks the params and its `spawn` builds the options from what the schema
 * returned. A client's text never becomes a command line: templates run without a shell.
 */
export interface SpawnTemplate<P = unknown> {
  /** Checks the client's params; without it a spawn of this template takes none. */
  params?: z.ZodType<P>;
  /** The spawn options for checked params. */
  spawn(params: P): SpawnOptions;
  /** Shown to clients that list the templates. */
  description?: string;
}

/** A template with its params' type inferred from its schema: `defineCommand({ params: z.object({ … }), spawn: (p) => … })`. */
export function defineCommand<P>(template: SpawnTemplate<P>): SpawnTemplate<P> {
  return template;
}

/** Templates of any params, as a server holds them (each one's params are its own). */
export type SpawnTemplates = Record<string, SpawnTemplate<any>>;

/** The spawn options a template gives for `params`, or an INVALID_OPTIONS error naming what is wrong. */
export function templateOptions(name: string, template: SpawnTemplate, params: unknown): SpawnOptions {
  let value: unknown = undefined;
  if (template.params) {
    const parsed = template.params.safeParse(params);
    if (!parsed.success) {
      throw new InvalidOptionsError(
        `params of command "${name}"`,
        parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })),
      );
    }
    value = parsed.data;
  } else if (params !== undefined) {
    throw new InvalidOptionsError(`params of command "${name}"`, [{ path: '', message: `command "${name}" takes no params` }]);
  }
  const options = template.spawn(value);
  if (options.shell) {
    throw new InvalidOptionsError(`command "${name}"`, [{ path: 'shell', message: 'a template runs without a shell: give command and args (the server never hands client input to a shell)' }]);
  }
  return options;
}
