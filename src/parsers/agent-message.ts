import type { z } from 'zod';

/** A line an agent printed, classified against the schemas its adapter knows. */
export type AgentLine<Known> =
  /** A known message type whose shape matched its schema. */
  | { kind: 'known'; message: Known }
  /** A message type this library does not know (a newer CLI): passed through untouched. */
  | { kind: 'unknown'; message: { type: string; [key: string]: unknown } }
  /** A known type with a malformed shape, or not a message at all. */
  | { kind: 'invalid'; error: string; value: unknown };

/**
 * Classifies a parsed JSON value by its `type`: validated against the schema registered for that
 * type when there is one, passed through when the type is unknown (a newer CLI must not break an
 * older library), reported when a known type has the wrong shape.
 */
export function classifyMessage<Known>(value: unknown, schemas: ReadonlyMap<string, z.ZodType>): AgentLine<Known> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { kind: 'invalid', error: 'expected a JSON object with a "type" field', value };
  }
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string') return { kind: 'invalid', error: 'the object has no string "type" field', value };
  const schema = schemas.get(type);
  if (!schema) return { kind: 'unknown', message: value as { type: string } };
  const parsed = schema.safeParse(value);
  if (parsed.success) return { kind: 'known', message: parsed.data as Known };
  const issue = parsed.error.issues[0];
  return { kind: 'invalid', error: `malformed "${type}" message: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid'}`, value };
}
