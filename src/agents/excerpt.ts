const EXCERPT_CHARS = 200;

/** The start of a value as JSON, for an `invalid` report (the whole line may be megabytes). */
export function excerptOf(value: unknown): string {
  let text: string;
  try {
    text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > EXCERPT_CHARS ? `${text.slice(0, EXCERPT_CHARS)}…` : text;
}
