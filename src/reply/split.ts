// Pure text splitting for continuation messages: where to cut a reply that outgrew one message,
// and how to keep a Markdown code fence intact across the cut. Lengths are UTF-16 code units
// (String.length), which never undercounts what a platform counts as characters.

/** A boundary is only used when the piece it leaves is at least this share of the budget. */
const MIN_FILL_RATIO = 0.5;
/** Fence repair (close + reopen) is skipped when its markers would eat more than this share of a message. */
const MAX_FENCE_OVERHEAD_RATIO = 0.25;

/** Sentence-ending punctuation that is followed by a space in Latin scripts. */
const SENTENCE_END = new Set([".", "!", "?", "…"]);
/** CJK full stops end a sentence without a following space. */
const CJK_SENTENCE_END = new Set(["。", "！", "？"]);

const FENCE_OPEN = /^ {0,3}(`{3,}|~{3,})(.*)$/;

export interface OpenFence {
  /** The fence's run of backticks or tildes, e.g. "```". */
  marker: string;
  /** The info string after the marker, trimmed ("ts", "python title=x", or ""). */
  info: string;
  /** Index of the start of the fence's opening line. */
  start: number;
}

export interface Split {
  /** Text for the message being closed: at most maxChars, with a code fence cut by the split closed. */
  piece: string;
  /** How many characters of the input the piece used up, the separator at the cut included. */
  consumed: number;
  /** To put before the remaining text: reopens a fence cut by the split (same marker and info), or "". */
  reopen: string;
}

interface Cut {
  /** The piece is text.slice(0, end). */
  end: number;
  /** The rest starts at text.slice(next); between end and next lies the separator. */
  next: number;
}

/**
 * Splits `text` when it is longer than `maxChars`; null when it fits. The cut prefers a paragraph
 * break, then a line break, then a sentence end, then a space, and never falls inside a surrogate
 * pair. A cut inside a code fence moves to just before the fence when that leaves enough text,
 * otherwise the piece closes the fence and `reopen` opens it again for the rest.
 */
/** `text` cut to `maxChars`, an ellipsis marking the cut (a one-line field: a status, a title, a fallback). */
export function clipText(text: string, maxChars: number): string {
  return text.length <= maxChars ? text : `${text.slice(0, maxChars - 1)}…`;
}

export function splitText(text: string, maxChars: number): Split | null {
  if (text.length <= maxChars) return null;
  const plain = (cut: Cut): Split => ({ piece: text.slice(0, cut.end), consumed: cut.next, reopen: "" });

  const first = findCut(text, maxChars);
  let fence = openFenceAt(text, first.end);
  if (!fence) return plain(first);

  // Whole code block moves to the next message when the text before it fills the piece well enough.
  if (fence.start > 0 && fence.start >= minCut(maxChars)) {
    return plain({ end: trimNewlinesEnd(text, fence.start), next: fence.start });
  }

  // Cut inside the block: reserve room for the closing marker, which may change where the cut falls.
  let cut = first;
  for (let closeLen = fence.marker.length + 1; ; ) {
    if (closeLen + reopenFor(fence).length > maxChars * MAX_FENCE_OVERHEAD_RATIO) return plain(first);
    cut = findCut(text, maxChars - closeLen);
    const inner = openFenceAt(text, cut.end);
    if (!inner) return plain(cut);
    fence = inner;
    if (inner.marker.length + 1 <= closeLen) break;
    closeLen = inner.marker.length + 1;
  }

  const head = text.slice(0, cut.end);
  const piece = head.endsWith("\n") ? head + fence.marker : `${head}\n${fence.marker}`;
  // The original closing line right after the cut is replaced by the one just added.
  const closingEnd = closingFenceLineEnd(text, cut.next, fence);
  const split =
    closingEnd === null
      ? { piece, consumed: cut.next, reopen: reopenFor(fence) }
      : { piece, consumed: closingEnd, reopen: "" };
  // The remainder must shrink, or a caller that splits repeatedly would never finish.
  return split.reopen.length < split.consumed ? split : plain(first);
}

/** Splits `text` into pieces of at most `maxChars` each, as repeated splitText would. */
export function splitAll(text: string, maxChars: number): string[] {
  const pieces: string[] = [];
  let rest = text;
  for (let split = splitText(rest, maxChars); split; split = splitText(rest, maxChars)) {
    pieces.push(split.piece);
    rest = split.reopen + rest.slice(split.consumed);
  }
  pieces.push(rest);
  return pieces;
}

/**
 * `text` followed by `suffix`, in at most `maxChars`: a code fence left open by `text` is closed
 * before the suffix, and `text` is cut at a good boundary when both do not fit. `kept` is how many
 * characters of `text` made it in.
 */
export function appendWithin(text: string, suffix: string, maxChars: number): { text: string; kept: number } {
  if (suffix.length >= maxChars) return { text: hardCut(suffix, maxChars), kept: 0 };
  const closed = closeOpenFence(text);
  if (closed.length + suffix.length <= maxChars) return { text: closed + suffix, kept: text.length };
  const split = splitText(text, maxChars - suffix.length);
  // splitText returns null only when text fits, which the branch above has ruled out.
  if (!split) return { text: suffix, kept: 0 };
  return { text: split.piece + suffix, kept: Math.min(split.consumed, text.length) };
}

/** `text` with a closing marker added when it ends inside an open code fence. */
export function closeOpenFence(text: string): string {
  const fence = openFenceAt(text, text.length);
  if (!fence) return text;
  return text.endsWith("\n") ? text + fence.marker : `${text}\n${fence.marker}`;
}

/** The code fence still open at index `end` of `text`, or null when `end` is outside any fence. */
export function openFenceAt(text: string, end: number): OpenFence | null {
  let open: OpenFence | null = null;
  for (let start = 0; start < end; ) {
    const newline = text.indexOf("\n", start);
    const lineEnd = newline === -1 || newline > end ? end : newline;
    const line = text.slice(start, lineEnd);
    if (open) {
      if (isClosingLine(line, open)) open = null;
    } else {
      const match = FENCE_OPEN.exec(line);
      const marker = match?.[1];
      const info = match?.[2] ?? "";
      // A backtick fence's info string may not contain backticks (CommonMark); that is inline code.
      if (marker && !(marker.startsWith("`") && info.includes("`")))
        open = { marker, info: info.trim(), start };
    }
    start = lineEnd + 1;
  }
  return open;
}

function isClosingLine(line: string, fence: OpenFence): boolean {
  const match = /^ {0,3}(`{3,}|~{3,})[ \t]*$/.exec(line);
  const marker = match?.[1];
  return marker !== undefined && marker[0] === fence.marker[0] && marker.length >= fence.marker.length;
}

/** End (past its newline) of a closing line for `fence` that starts at `from`, or null. */
function closingFenceLineEnd(text: string, from: number, fence: OpenFence): number | null {
  if (from > 0 && text[from - 1] !== "\n") return null;
  const newline = text.indexOf("\n", from);
  const lineEnd = newline === -1 ? text.length : newline;
  if (!isClosingLine(text.slice(from, lineEnd), fence)) return null;
  return newline === -1 ? lineEnd : newline + 1;
}

function reopenFor(fence: OpenFence): string {
  return fence.info ? `${fence.marker}${fence.info}\n` : `${fence.marker}\n`;
}

function minCut(budget: number): number {
  return Math.floor(budget * MIN_FILL_RATIO);
}

/** Best cut with the piece at most `budget` long; text is known to be longer than `budget`. */
function findCut(text: string, budget: number): Cut {
  const least = Math.max(1, minCut(budget));

  const paragraph = text.lastIndexOf("\n\n", budget);
  const paragraphEnd = paragraph === -1 ? -1 : trimNewlinesEnd(text, paragraph);
  if (paragraphEnd >= least) {
    let next = paragraph;
    while (text[next] === "\n") next++;
    return { end: paragraphEnd, next };
  }

  const line = text.lastIndexOf("\n", budget);
  if (line >= least) return { end: line, next: line + 1 };

  for (let i = budget; i >= least; i--) {
    const ch = text[i];
    const before = text[i - 1];
    if (ch === " " && before !== undefined && SENTENCE_END.has(before)) return { end: i, next: i + 1 };
    // The cut sits after a CJK full stop; i - 1 + 1 <= budget keeps the piece in bounds.
    if (before !== undefined && CJK_SENTENCE_END.has(before)) return { end: i, next: i };
  }

  const space = text.lastIndexOf(" ", budget);
  if (space >= least) return { end: space, next: space + 1 };

  const end = hardCut(text, budget).length;
  return { end, next: end };
}

/** The first `max` code units of `text`, one fewer when that would split a surrogate pair. */
function hardCut(text: string, max: number): string {
  let end = Math.min(max, text.length);
  const last = text.charCodeAt(end - 1);
  if (end < text.length && last >= 0xd800 && last <= 0xdbff && end > 1) end--;
  return text.slice(0, end);
}

function trimNewlinesEnd(text: string, end: number): number {
  let e = end;
  while (e > 0 && text[e - 1] === "\n") e--;
  return e;
}
