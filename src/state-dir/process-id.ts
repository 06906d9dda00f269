/**
 * Ids of processes and managers are `crypto.randomUUID()`s (see ProcessManager): only these are
 * accepted from a ledger or used to build a path in stateDir. Anything else — `..`, a slash, a
 * NUL, an absolute path — could name a directory outside stateDir, which forget() deletes
 * recursively.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function isProcwardId(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/** The pattern, for schemas (`z.string().regex(PROCWARD_ID)`). */
export const PROCWARD_ID = UUID;
