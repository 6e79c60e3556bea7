// A reply sink that prints to a terminal: the whole answer is one growing message, so each update
// prints only what is new. Cited sources follow the answer as a numbered list with their links
// (terminals make URLs clickable).
import type { NumberedSource } from "../../src/citations/types.js";
import type { MessageHandle, ReplyEnd, ReplySink } from "../../src/reply/types.js";

const CLEAR_LINE = "\r\x1b[K";

export class ConsoleSink implements ReplySink {
  // A terminal has no message size limit and no rate limit.
  readonly limits = { maxChars: Number.MAX_SAFE_INTEGER, minIntervalMs: 0 };
  private printed = "";
  private thinking = false;
  private sources: NumberedSource[] = [];
  private readonly out: NodeJS.WritableStream & { isTTY?: boolean };

  constructor(out: NodeJS.WritableStream & { isTTY?: boolean } = process.stdout) {
    this.out = out;
  }

  async begin(): Promise<void> {
    if (this.out.isTTY) {
      this.out.write("\x1b[2mthinking…\x1b[0m");
      this.thinking = true;
    }
  }

  setSources(sources: NumberedSource[]): void {
    this.sources = sources;
  }

  async post(text: string, final: boolean, end?: ReplyEnd): Promise<MessageHandle> {
    this.printed = "";
    this.show(text, final, end);
    return { id: "console" };
  }

  async update(_message: MessageHandle, text: string, final: boolean, end?: ReplyEnd): Promise<void> {
    this.show(text, final, end);
  }

  private show(text: string, final: boolean, end?: ReplyEnd): void {
    if (this.thinking) {
      this.out.write(CLEAR_LINE);
      this.thinking = false;
    }
    // Text only grows while streaming; anything else (a failure note replacing it) is printed anew.
    this.out.write(text.startsWith(this.printed) ? text.slice(this.printed.length) : `\n${text}`);
    this.printed = text;
    if (!final) return;
    this.out.write("\n");
    if (end === "answer" && this.sources.length > 0) this.out.write(`\n${formatSources(this.sources)}`);
    this.out.write("\n");
  }
}

/** `Sources:` and one line per source: `[1] Title: https://…` (or the title alone without a link). */
export function formatSources(sources: readonly NumberedSource[]): string {
  const lines = sources.map((s) => `  [${s.n}] ${s.title}${s.url ? `: ${s.url}` : ""}`);
  return `Sources:\n${lines.join("\n")}\n`;
}
