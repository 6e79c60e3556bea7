// A sink that only keeps the last text it was given (and the sources it cites): for answers an
// adapter shows its own way (a Slack ephemeral reply, a summary after a Teams card submit).
import type { NumberedSource } from "../citations/types.js";
import type { MessageHandle, ReplySink } from "./types.js";

export class CaptureSink implements ReplySink {
  readonly limits = { maxChars: 12_000, minIntervalMs: 0 };
  text = "";
  sources: NumberedSource[] = [];

  setSources(sources: NumberedSource[]): void {
    this.sources = sources;
  }

  async post(text: string): Promise<MessageHandle> {
    this.text = text;
    return { id: "captured" };
  }

  async update(_message: MessageHandle, text: string): Promise<void> {
    this.text = text;
  }
}
