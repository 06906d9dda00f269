import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Whether `given` is one of `tokens`, in time that does not depend on where they differ: both
 * sides are hashed to the same length first (timingSafeEqual needs equal lengths, and comparing
 * lengths would itself leak them), and every token is compared, not only up to the first match.
 */
export function tokenMatches(given: string, tokens: readonly Buffer[]): boolean {
  const g = digest(given);
  let ok = false;
  for (const t of tokens) ok = timingSafeEqual(g, t) || ok;
  return ok;
}

export function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}
