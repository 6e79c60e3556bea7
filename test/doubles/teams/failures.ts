// Injected failures: the next request(s) matching a pattern answer a given status instead of being
// handled. Patterns match "METHOD /decoded/path", the whole path with its region prefix (a
// serviceUrl of .../amer/ makes it /amer/v3/...): "PUT */v3/conversations/*/activities/*",
// "*/v3/conversations/a:1/activities" (any method), "*", or a RegExp. `when` narrows by the body.
import { defaultErrorFor } from "./teams-errors.js";

export interface FailNextOptions {
  /** How many matching requests fail (default 1). */
  times?: number;
  /** 429 only: the Retry-After header in seconds (default 1); null sends none. */
  retryAfterSeconds?: number | null;
  /** Only requests whose JSON body passes this fail (e.g. a stream's final message, not its updates). */
  when?: (body: Record<string, unknown>) => boolean;
}

interface PendingFailure {
  matches(method: string, path: string): boolean;
  status: number;
  body: unknown;
  remaining: number;
  retryAfterSeconds: number | null;
  when: (body: Record<string, unknown>) => boolean;
}

export interface InjectedAnswer {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

export class FailureQueue {
  #pending: PendingFailure[] = [];

  add(pattern: string | RegExp, status: number, body?: unknown, options: FailNextOptions = {}): void {
    this.#pending.push({
      matches: matcher(pattern),
      status,
      body: body ?? defaultErrorFor(status).body,
      remaining: options.times ?? 1,
      retryAfterSeconds: options.retryAfterSeconds === undefined ? 1 : options.retryAfterSeconds,
      when: options.when ?? (() => true),
    });
  }

  /** The answer for this request if a failure is pending for it (consumes one). */
  take(method: string, decodedPath: string, body: Record<string, unknown>): InjectedAnswer | undefined {
    const failure = this.#pending.find(
      (f) => f.remaining > 0 && f.matches(method, decodedPath) && f.when(body),
    );
    if (!failure) return undefined;
    failure.remaining -= 1;
    this.#pending = this.#pending.filter((f) => f.remaining > 0);
    const headers: Record<string, string> = {};
    if (failure.status === 429 && failure.retryAfterSeconds !== null) {
      headers["retry-after"] = String(failure.retryAfterSeconds);
    }
    return { status: failure.status, body: failure.body, headers };
  }

  clear(): void {
    this.#pending = [];
  }
}

function matcher(pattern: string | RegExp): (method: string, path: string) => boolean {
  if (pattern instanceof RegExp) return (method, path) => pattern.test(`${method} ${path}`);
  if (pattern === "*") return () => true;
  const space = pattern.indexOf(" ");
  const wantedMethod = space === -1 ? undefined : pattern.slice(0, space).toUpperCase();
  const glob = space === -1 ? pattern : pattern.slice(space + 1);
  const regex = new RegExp(`^${glob.split("*").map(escapeRegExp).join(".*")}$`);
  return (method, path) => (wantedMethod === undefined || wantedMethod === method) && regex.test(path);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
