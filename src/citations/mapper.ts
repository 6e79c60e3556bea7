// Streaming citation mapping for grounded answers. On Your Data's model marks sources as [doc1],
// [doc2] (docN = citations[N-1]); when the bot searches itself, the prompt numbers the sources and
// the model marks them [1], [2]. Either way people see [1], [2], numbered densely in the order the
// answer first mentions them, which is what Teams' citation entities and a Sources list need.
//
// Decisions:
// - Markers: "[docN]" with "doc" in any case and at most one space before the number ("[Doc1]",
//   "[doc 1]"), and lists in one bracket ("[doc1, doc2]" becomes "[1][2]").
// - No citations (setCitations never called, or with an empty list): text passes through
//   unchanged, "[doc1]" included. Citations set mid-answer apply to the text after that call.
// - A marker naming no citation ("[doc9]" with 3 citations, "[doc0]") is removed. With plain
//   number markers it is left as written instead: "[2024]" or "items[0]" are not citations.
// - Directly adjacent repeats collapse: "[doc1][doc1]" and "[doc1, doc1]" show one "[1]".
// - Inside fenced code blocks (``` or ~~~ lines) markers are left as written: code is literal.
//   Inline code spans are not exempt: while streaming, a lone backtick cannot be told from the
//   start of a span, and losing real citations for the rest of a line is worse.
// - A possible marker at the end of a delta ("see [do", "[doc1") is held back until the next
//   delta (or flush) shows what it is.
import { toNumberedSource } from "./sources.js";
import type { Citation, NumberedSource } from "./types.js";

/** Longest text held back as a possible marker; longer is plain text ("[doc1, doc2, …" lists fit). */
const MAX_MARKER_CHARS = 120;
/** Digits in a doc number; Azure returns a few dozen citations at most. */
const MAX_DOC_DIGITS = 4;

type Scan =
  | { kind: "marker"; end: number; docs: number[] }
  | { kind: "partial" }
  /** Not a marker: the "[" is plain text. */
  | { kind: "none" };

/** How the model marks a source: On Your Data's `[doc1]`, or the bot's own numbered sources' `[1]`. */
export type MarkerStyle = "doc" | "number";

export class CitationMapper {
  private readonly prefix: string;
  private citations: readonly Citation[] = [];
  /** doc number (1-based, as in [docN]) → shown number k. */
  private readonly numbers = new Map<number, number>();
  /** doc numbers in shown order: cited[k - 1] is the doc shown as [k]. */
  private readonly cited: number[] = [];
  /** Text received but not shown yet: a possible marker at the end. */
  private pending = "";
  /** Everything shown so far. */
  private shown = "";
  /** Shown numbers of the markers directly before the current position (no text in between). */
  private adjacent: number[] = [];
  private readonly fence = new FenceTracker();

  constructor(style: MarkerStyle = "doc") {
    this.prefix = style === "doc" ? "doc" : "";
  }

  /** The answer's citations; [docN] refers to citations[N-1]. May come before any text. */
  setCitations(citations: readonly Citation[]): void {
    this.citations = citations;
  }

  /** The text to show now for `delta`, markers replaced; a possible marker at its end is held back. */
  push(delta: string): string {
    if (delta === "") return "";
    const text = this.pending + delta;
    this.pending = "";
    const output = this.citations.length === 0 ? this.plain(text) : this.map(text, false);
    this.shown += output;
    return output;
  }

  /** The held-back tail at the end of the answer (it never became a marker). */
  flush(): string {
    const text = this.pending;
    this.pending = "";
    const output = this.citations.length === 0 ? this.plain(text) : this.map(text, true);
    this.shown += output;
    return output;
  }

  /** The cited sources, in shown order ([1] first). */
  sources(): NumberedSource[] {
    return this.cited.flatMap((doc, index) => {
      const citation = this.citations[doc - 1];
      return citation ? [toNumberedSource(citation, index + 1)] : [];
    });
  }

  /** The whole text shown so far, with [k] markers: what history keeps. */
  get normalized(): string {
    return this.shown;
  }

  private plain(text: string): string {
    this.fence.feed(text);
    if (text !== "") this.adjacent = [];
    return text;
  }

  private map(text: string, atEnd: boolean): string {
    let output = "";
    let from = 0;
    // The next line end at or after `from` (-1: none), found again only once passed.
    let newline = -2;
    while (from < text.length) {
      if (this.fence.inside) {
        // Code is literal: shown line by line as it is, until a line closes the block.
        const lineEnd = text.indexOf("\n", from);
        const end = lineEnd === -1 ? text.length : lineEnd + 1;
        output += this.plain(text.slice(from, end));
        from = end;
        continue;
      }
      const bracket = text.indexOf("[", from);
      if (newline !== -1 && newline < from) newline = text.indexOf("\n", from);
      if (newline !== -1 && (bracket === -1 || newline < bracket)) {
        // A line ends first: it may open a code block.
        output += this.plain(text.slice(from, newline + 1));
        from = newline + 1;
        continue;
      }
      if (bracket === -1) {
        output += this.plain(text.slice(from));
        break;
      }
      const scan = scanMarker(text, bracket, this.prefix);
      if (scan.kind === "partial" && !atEnd) {
        this.pending = text.slice(bracket);
        return output + this.plain(text.slice(from, bracket));
      }
      if (scan.kind !== "marker" || (this.prefix === "" && !scan.docs.every((doc) => this.names(doc)))) {
        output += this.plain(text.slice(from, bracket + 1));
        from = bracket + 1;
        continue;
      }
      output += this.plain(text.slice(from, bracket)) + this.markers(scan.docs);
      from = scan.end;
    }
    return output;
  }

  /** Whether `doc` names one of the citations. */
  private names(doc: number): boolean {
    return doc >= 1 && doc <= this.citations.length;
  }

  private markers(docs: number[]): string {
    let output = "";
    for (const doc of docs) {
      if (!this.names(doc)) continue;
      let k = this.numbers.get(doc);
      if (k === undefined) {
        this.cited.push(doc);
        k = this.cited.length;
        this.numbers.set(doc, k);
      }
      if (this.adjacent.includes(k)) continue;
      this.adjacent.push(k);
      output += `[${k}]`;
    }
    this.fence.feed(output);
    return output;
  }
}

/** Reads a marker at text[at] === "[": "[doc1]", "[Doc 2]", "[doc1, doc3]" (prefix "doc"), or "[1]", "[1, 3]" (prefix ""). */
function scanMarker(text: string, at: number, prefix: string): Scan {
  const limit = Math.min(text.length, at + MAX_MARKER_CHARS);
  const docs: number[] = [];
  let i = at + 1;
  const partial = (): Scan => (text.length - at < MAX_MARKER_CHARS ? { kind: "partial" } : { kind: "none" });
  for (;;) {
    for (const letter of prefix) {
      if (i >= limit) return partial();
      if ((text[i] ?? "").toLowerCase() !== letter) return { kind: "none" };
      i++;
    }
    if (i >= limit) return partial();
    if (prefix !== "" && text[i] === " ") i++;
    const digits = i;
    while (i < limit && i - digits <= MAX_DOC_DIGITS && isDigit(text.charCodeAt(i))) i++;
    if (i - digits > MAX_DOC_DIGITS) return { kind: "none" };
    if (i >= limit) return partial();
    if (i === digits) return { kind: "none" };
    docs.push(Number(text.slice(digits, i)));
    while (i < limit && text[i] === " ") i++;
    if (i >= limit) return partial();
    if (text[i] === "]") return { kind: "marker", end: i + 1, docs };
    if (text[i] !== ",") return { kind: "none" };
    i++;
    while (i < limit && text[i] === " ") i++;
  }
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/**
 * Tracks whether the text so far ends inside a fenced code block, fed in pieces of any size. A
 * line of ``` or ~~~ (3 or more, any indent, as LLMs indent fences inside list items) opens a
 * block; a line of at least as many of the same character, nothing else but spaces, closes it.
 * A backtick fence whose info string holds a backtick is not one (CommonMark).
 */
class FenceTracker {
  /** The open block's fence character and length, or null. */
  private open: { char: string; length: number } | null = null;
  // The current line, classified as it arrives.
  private phase: "indent" | "run" | "rest" | "other" = "indent";
  private runChar = "";
  private runLength = 0;
  private restHasBacktick = false;
  private restHasText = false;

  get inside(): boolean {
    return this.open !== null;
  }

  feed(text: string): void {
    for (let i = 0; i < text.length; i++) {
      const ch = text[i] ?? "";
      if (ch === "\n") {
        this.endLine();
        continue;
      }
      switch (this.phase) {
        case "indent":
          if (ch === " " || ch === "\t") break;
          if (ch === "`" || ch === "~") {
            this.phase = "run";
            this.runChar = ch;
            this.runLength = 1;
          } else this.phase = "other";
          break;
        case "run":
          if (ch === this.runChar) this.runLength++;
          else if (this.runLength < 3) this.phase = "other";
          else {
            this.phase = "rest";
            this.note(ch);
          }
          break;
        case "rest":
          this.note(ch);
          break;
        case "other":
          // Nothing on this line can change the block; skip to its end.
          {
            const newline = text.indexOf("\n", i);
            if (newline === -1) return;
            i = newline - 1;
          }
          break;
      }
    }
  }

  private note(ch: string): void {
    if (ch === "`") this.restHasBacktick = true;
    if (ch !== " " && ch !== "\t" && ch !== "\r") this.restHasText = true;
  }

  private endLine(): void {
    const isRun = (this.phase === "run" || this.phase === "rest") && this.runLength >= 3;
    if (isRun) {
      if (this.open === null) {
        if (!(this.runChar === "`" && this.restHasBacktick))
          this.open = { char: this.runChar, length: this.runLength };
      } else if (this.runChar === this.open.char && this.runLength >= this.open.length && !this.restHasText) {
        this.open = null;
      }
    }
    this.phase = "indent";
    this.runChar = "";
    this.runLength = 0;
    this.restHasBacktick = false;
    this.restHasText = false;
  }
}
