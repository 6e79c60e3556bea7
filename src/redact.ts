// Secrets never reach a log line or a chat message: every configured secret value is registered
// here at start, and scrub() replaces any occurrence with a marker.

const secrets = new Set<string>();
const MIN_SECRET_LENGTH = 6; // shorter values would mask ordinary words

export const REDACTED = "[redacted]";

export function registerSecret(value: string | undefined): void {
  if (value && value.length >= MIN_SECRET_LENGTH) secrets.add(value);
}

/** A secret that can no longer be used (an expired token) need not be looked for any more. */
export function forgetSecret(value: string): void {
  secrets.delete(value);
}

/** Replaces every registered secret, and anything shaped like a bearer token or key, in `text`. */
export function scrub(text: string): string {
  let out = text;
  for (const secret of secrets) {
    if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  return out
    .replace(/(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi, `$1${REDACTED}`)
    .replace(/\bxox[abpre]-[A-Za-z0-9-]{8,}/g, REDACTED)
    .replace(/\bxapp-[A-Za-z0-9-]{8,}/g, REDACTED)
    .replace(/(api-key["'=:\s]+)[A-Za-z0-9]{16,}/gi, `$1${REDACTED}`)
    .replace(/(redis[s]?:\/\/[^:/@\s]*:)[^@\s]+@/gi, `$1${REDACTED}@`);
}

/** Deep copy of `value` with every string scrubbed; used by the logger for structured fields. */
export function scrubDeep(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return scrub(value);
  if (depth > 8 || value === null || typeof value !== "object") return value;
  if (value instanceof Error) {
    // Keep what an operator needs: class, code, details (hints), the cause chain.
    const { code, details, cause } = value as { code?: unknown; details?: unknown; cause?: unknown };
    return {
      type: value.name,
      message: scrub(value.message),
      code,
      details: details === undefined ? undefined : scrubDeep(details, depth + 1),
      stack: value.stack ? scrub(value.stack) : undefined,
      cause: cause === undefined ? undefined : scrubDeep(cause, depth + 1),
    };
  }
  if (Array.isArray(value)) return value.map((v) => scrubDeep(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = scrubDeep(v, depth + 1);
  return out;
}
