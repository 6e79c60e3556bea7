// A reply sink that prints to a terminal: the whole answer is one growing message, so each update
// prints only what is new.
import type { MessageHandle, ReplySink } from "../../src/reply/types.js";

const CLEAR_LINE = "\r\x1b[K";

export class ConsoleSink implements ReplySink {
  // A terminal has no message size limit and no rate limit.
  readonly limits = { maxChars: Number.MAX_SAFE_INTEGER, minIntervalMs: 0 };
  private printed = "";
  private thinking = false;
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

  async post(text: string, final: boolean): Promise<MessageHandle> {
    this.printed = "";
    this.show(text, final);
    return { id: "console" };
  }

  async update(_message: MessageHandle, text: string, final: boolean): Promise<void> {
    this.show(text, final);
  }

  private show(text: string, final: boolean): void {
    if (this.thinking) {
      this.out.write(CLEAR_LINE);
      this.thinking = false;
    }
    // Text only grows while streaming; anything else (a failure note replacing it) is printed anew.
    this.out.write(text.startsWith(this.printed) ? text.slice(this.printed.length) : `\n${text}`);
    this.printed = text;
    if (final) this.out.write("\n\n");
  }
}
