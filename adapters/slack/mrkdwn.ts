// Markdown as LLMs write it, turned into Slack mrkdwn for classic `text` and section blocks.
// Hand-written (the dependencies hold no Markdown parser) and line-based: each line is classified
// once and its inline markup parsed in one pass, so the cost stays linear on every streamed update.
// The input may be the first part of an answer still streaming, so unfinished markup degrades
// gracefully and nothing throws. Slack's rules: docs.slack.dev/messaging/formatting-message-text
// (escape &, < and > as entities, nothing else; links are <url|text>; no headings, tables or rules).

/** Width of the line drawn for a horizontal rule (Slack mrkdwn has none). */
const RULE_WIDTH_CHARS = 20;
const RULE = "─".repeat(RULE_WIDTH_CHARS);
/** Indentation per list nesting level; LLMs nest with 2 or 4 spaces, both come out the same. */
const LIST_INDENT = "    ";
/** Extra indentation of a paragraph continuing a list item, so it lines up under the item's text. */
const LIST_CONTINUATION_INDENT = "   ";
/** Bullet per nesting level, repeating, as Slack's own list formatting does. */
const BULLETS = ["•", "◦", "▪"] as const;
/** Tab stop when measuring indentation (CommonMark). */
const TAB_WIDTH_CHARS = 4;
/** A link destination longer than this is not taken as one. */
const URL_MAX_CHARS = 4_096;
/**
 * Link destinations scanned per line, as a multiple of its length: past it "[" is plain text, so
 * hostile input ([a]( repeated) stays linear instead of rescanning the same text for each "[".
 */
const LINK_SCAN_BUDGET_PER_CHAR = 4;
/** Slack only formats * _ ~ at word boundaries; an invisible space gives it one inside a word. */
const ZERO_WIDTH_SPACE = "\u200b";

const FENCE_OPEN = /^([ \t]*)(`{3,}|~{3,})(.*)$/;
const FENCE_CLOSE = /^[ \t]*(`{3,}|~{3,})[ \t]*$/;
const HEADING = /^ {0,3}(#{1,6})(?:[ \t]+(.*))?$/;
const RULE_LINE = /^ {0,3}(?:(?:-[ \t]*){3,}|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,})$/;
const BULLET_ITEM = /^([ \t]*)([-*+])(?:[ \t]+(.*))?$/;
const ORDERED_ITEM = /^([ \t]*)(\d{1,9})([.)])(?:[ \t]+(.*))?$/;
const TASK = /^\[([ xX])\](?:[ \t]+|$)/;
const DELIMITER_CELL = /^:?-+:?$/;
const PARTIAL_DELIMITER_ROW = /^[ \t|:-]*$/;

/**
 * Slack references kept as they are: users, channels, dates. Broadcasts (<!here>, <!channel>,
 * <!everyone>) and group mentions (<!subteam^…>) are escaped instead, so a model's answer cannot
 * notify a whole channel.
 */
const SLACK_REFERENCE = /<(?:[@#][A-Z0-9][A-Z0-9._-]*|!date\^[^<>\n|]*)(?:\|[^<>\n]*)?>/y;
/** A link already in Slack's syntax, <https://…|text>. */
const SLACK_LINK = /<((?:https?|mailto):[^\s<>|]+)\|([^<>\n]*)>/y;
/** CommonMark autolink <scheme:…>. */
const AUTOLINK = /<([A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*)>/y;
/** CommonMark email autolink <name@host>, checked for a dot in the host afterwards. */
const EMAIL_AUTOLINK = /<([^\s<>@]+@[^\s<>@]+)>/y;
/** A bare URL (GFM autolink extension); trailing punctuation is trimmed afterwards. */
const BARE_URL = /https?:\/\/[^\s<>]+/y;
/** Characters the inline scanner stops at; everything else is copied as it is. */
const INLINE_SPECIAL = /[\\`![<*_~h]/g;
const ASCII_PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
const URL_TRAILING_PUNCTUATION = "?!.,:;*_~'\"";
/** &, < and > in text; the three entities Slack decodes pass through, so they are not escaped twice. */
const TEXT_ESCAPES = /&(?!(?:amp|lt|gt);)|[<>]/g;
const CODE_ESCAPES = /[&<>]/g;
const URL_ESCAPES = /&(?!(?:amp|lt|gt);)|[<>| ]/g;
const URL_ESCAPE: Record<string, string> = { "&": "&amp;", "<": "%3C", ">": "%3E", "|": "%7C", " ": "%20" };
const ENTITY: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;" };

/** Converts Markdown to Slack mrkdwn. Pure; accepts partial Markdown (a reply still streaming). */
export function markdownToMrkdwn(markdown: string): string {
  const lines = markdown.replace(/\r\n?/g, "\n").split("\n");
  return convertLines(lines, true).join("\n");
}

/** Output lines with runs of blank lines collapsed and none at either end. */
class Lines {
  readonly lines: string[] = [];
  blank(): void {
    const last = this.lines[this.lines.length - 1];
    if (last !== undefined && last !== "") this.lines.push("");
  }
  push(line: string): void {
    this.lines.push(line);
  }
  done(): string[] {
    while (this.lines[this.lines.length - 1] === "") this.lines.pop();
    return this.lines;
  }
}

/** `endsInput`: the last of `lines` is the end of everything received, where markup may be unfinished. */
function convertLines(lines: string[], endsInput: boolean): string[] {
  const out = new Lines();
  // Indent columns of the list levels open above the current line, outermost first.
  const listIndents: number[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] ?? "";
    const atEnd = endsInput && i === lines.length - 1;

    const fence = FENCE_OPEN.exec(line);
    if (fence && !(fence[2]?.startsWith("`") && fence[3]?.includes("`"))) {
      i = codeBlock(lines, i, fence[1] ?? "", fence[2] ?? "```", endsInput, out);
      continue;
    }
    if (line.trim() === "") {
      out.blank();
      i++;
      continue;
    }
    if (quoteContentStart(line) !== -1) {
      let end = i;
      const inner: string[] = [];
      for (; end < lines.length; end++) {
        const start = quoteContentStart(lines[end] ?? "");
        if (start === -1) break;
        inner.push((lines[end] ?? "").slice(start));
      }
      // Slack has no nested quotes and no empty quote lines: all levels become one, blank lines go.
      for (const quoted of convertLines(inner, endsInput && end === lines.length)) {
        if (quoted !== "") out.push(`> ${quoted}`);
      }
      listIndents.length = 0;
      i = end;
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      const text = inline(stripClosingHashes(heading[2] ?? ""), { tail: atEnd, inBold: true });
      if (text !== "") out.push(`*${text}*`);
      listIndents.length = 0;
      i++;
      continue;
    }
    if (RULE_LINE.test(line)) {
      out.push(RULE);
      listIndents.length = 0;
      i++;
      continue;
    }
    const tableEnd = tableAt(lines, i, endsInput);
    if (tableEnd !== -1) {
      renderTable(lines.slice(i, tableEnd), out);
      listIndents.length = 0;
      i = tableEnd;
      continue;
    }
    const bullet = BULLET_ITEM.exec(line);
    const ordered = bullet ? null : ORDERED_ITEM.exec(line);
    const item = bullet ?? ordered;
    if (item) {
      const content = item[bullet ? 3 : 4];
      // A bare marker at the very end is most likely the start of something still streaming.
      if (!content && atEnd) break;
      const level = listLevel(listIndents, indentWidth(item[1] ?? ""));
      const task = content === undefined ? null : TASK.exec(content);
      const marker = task
        ? task[1] === " "
          ? "☐"
          : "☑"
        : bullet
          ? BULLETS[level % BULLETS.length]
          : `${ordered?.[2]}${ordered?.[3]}`;
      const text = inline((task ? (content ?? "").slice(task[0].length) : (content ?? "")).trim(), {
        tail: atEnd,
      });
      out.push(`${LIST_INDENT.repeat(level)}${marker} ${text}`.trimEnd());
      i++;
      continue;
    }

    // A paragraph line. Slack shows line breaks as they are, so lines are not joined.
    const width = indentWidth(/^[ \t]*/.exec(line)?.[0] ?? "");
    let indent = "";
    if (width === 0) listIndents.length = 0;
    else {
      const level = listIndents.filter((column) => column < width).length - 1;
      if (level >= 0) indent = LIST_INDENT.repeat(level) + LIST_CONTINUATION_INDENT;
    }
    const text = inline(line.trim(), { tail: atEnd }).trimEnd();
    if (text !== "") out.push(indent + text);
    i++;
  }
  return out.done();
}

/** Emits the fenced code block opening at line `i`; returns the index of the line after it. */
function codeBlock(
  lines: string[],
  i: number,
  indent: string,
  marker: string,
  endsInput: boolean,
  out: Lines,
): number {
  const body: string[] = [];
  let end = i + 1;
  let closed = false;
  for (; end < lines.length; end++) {
    const line = lines[end] ?? "";
    const close = FENCE_CLOSE.exec(line)?.[1];
    if (close && close[0] === marker[0] && close.length >= marker.length) {
      closed = true;
      end++;
      break;
    }
    body.push(stripIndent(line, indent.length));
  }
  if (!closed && endsInput) {
    // While streaming, the closing fence may have arrived in part ("`" or "``"): not code.
    const last = body[body.length - 1]?.trim();
    if (last && last.length < marker.length && [...last].every((ch) => ch === marker[0])) body.pop();
  }
  // An unclosed fence runs to the end, as in CommonMark; an empty block shows nothing.
  if (body.some((line) => line.trim() !== "")) {
    out.push("```");
    for (const line of body) out.push(escapeCode(line));
    out.push("```");
  }
  return end;
}

/** Where the text of a quote line starts after all its `>` markers, or -1 when it is not one. */
function quoteContentStart(line: string): number {
  let pos = 0;
  let found = false;
  for (;;) {
    let p = pos;
    while (p - pos < 3 && line[p] === " ") p++;
    if (line[p] !== ">") break;
    p++;
    if (line[p] === " ") p++;
    pos = p;
    found = true;
  }
  return found ? pos : -1;
}

/** The list level of an item indented `column` columns, updating the open levels. */
function listLevel(indents: number[], column: number): number {
  while (indents.length > 0 && (indents[indents.length - 1] ?? 0) > column) indents.pop();
  if (indents.length === 0 || (indents[indents.length - 1] ?? 0) < column) indents.push(column);
  return indents.length - 1;
}

function indentWidth(whitespace: string): number {
  let width = 0;
  for (const ch of whitespace)
    width = ch === "\t" ? width + TAB_WIDTH_CHARS - (width % TAB_WIDTH_CHARS) : width + 1;
  return width;
}

/** `line` without up to `count` leading spaces or tabs (a fence's own indentation, CommonMark). */
function stripIndent(line: string, count: number): string {
  let start = 0;
  while (start < count && (line[start] === " " || line[start] === "\t")) start++;
  return line.slice(start);
}

/** A heading's text without the optional closing run of #. */
function stripClosingHashes(text: string): string {
  const trimmed = text.trimEnd();
  let start = trimmed.length;
  while (start > 0 && trimmed[start - 1] === "#") start--;
  if (start === trimmed.length) return trimmed;
  if (start === 0) return "";
  const before = trimmed[start - 1];
  return before === " " || before === "\t" ? trimmed.slice(0, start).trimEnd() : trimmed;
}

// ---------------------------------------------------------------------------------------------
// Tables: Slack has none, so they become an aligned plain-text grid in a code block.

/** The index after the table starting at line `i`, or -1 when none starts there. */
function tableAt(lines: string[], i: number, endsInput: boolean): number {
  const header = lines[i] ?? "";
  if (!header.includes("|")) return -1;
  const next = lines[i + 1];
  if (next !== undefined && isDelimiterRow(next, header)) {
    let end = i + 2;
    while (end < lines.length && (lines[end] ?? "").includes("|") && (lines[end] ?? "").trim() !== "") end++;
    return end;
  }
  // While streaming, a row starting with | at the end (maybe with part of the delimiter row after
  // it) is taken as a table already, so it does not flash as text first.
  if (!endsInput || !header.trimStart().startsWith("|")) return -1;
  if (next === undefined) return i + 1;
  if (i + 2 === lines.length && PARTIAL_DELIMITER_ROW.test(next)) return i + 2;
  return -1;
}

/** GFM: the delimiter row has a cell per header cell, each dashes with optional alignment colons. */
function isDelimiterRow(line: string, header: string): boolean {
  if (!line.includes("|") || !line.includes("-")) return false;
  const cells = splitRow(line);
  return cells.length === splitRow(header).length && cells.every((cell) => DELIMITER_CELL.test(cell));
}

/** The trimmed cells of a table row; `\|` is a literal bar. */
function splitRow(line: string): string[] {
  let row = line.trim();
  if (row.startsWith("|")) row = row.slice(1);
  if (row.endsWith("|") && !row.endsWith("\\|")) row = row.slice(0, -1);
  const cells: string[] = [];
  let cell = "";
  for (let i = 0; i < row.length; i++) {
    const ch = row[i];
    if (ch === "\\" && row[i + 1] === "|") {
      cell += "|";
      i++;
    } else if (ch === "|") {
      cells.push(cell.trim());
      cell = "";
    } else cell += ch;
  }
  cells.push(cell.trim());
  return cells;
}

type Align = "left" | "right" | "center";

/** `rows`: header, delimiter row, data rows; or, while streaming, the header and part of the delimiter row. */
function renderTable(rows: string[], out: Lines): void {
  const [header = "", second] = rows;
  const hasDelimiter = second !== undefined && isDelimiterRow(second, header);
  const aligns: Align[] = hasDelimiter
    ? splitRow(second).map((cell) =>
        cell.endsWith(":") ? (cell.startsWith(":") ? "center" : "right") : "left",
      )
    : [];
  const cells = [header, ...(hasDelimiter ? rows.slice(2) : [])].map((row) => splitRow(row).map(cellText));
  const columns = hasDelimiter ? aligns.length : (cells[0]?.length ?? 0);
  const widths = Array.from({ length: columns }, (_, c) =>
    Math.max(1, ...cells.map((row) => charCount(row[c] ?? ""))),
  );
  const format = (row: string[]) =>
    widths
      .map((width, c) => pad(row[c] ?? "", width, aligns[c] ?? "left"))
      .join(" | ")
      .trimEnd();
  out.push("```");
  cells.forEach((row, index) => {
    out.push(escapeCode(format(row)));
    if (index === 0 && hasDelimiter) out.push(widths.map((width) => "-".repeat(width)).join("-+-"));
  });
  out.push("```");
}

/** A cell's text as plain text: markup dropped, since it would show literally in a code block. */
function cellText(cell: string): string {
  return inline(cell.replace(/<br\s*\/?>/gi, " "), { tail: false, plain: true });
}

function pad(text: string, width: number, align: Align): string {
  const gap = width - charCount(text);
  if (align === "right") return " ".repeat(gap) + text;
  if (align === "center") return " ".repeat(Math.floor(gap / 2)) + text + " ".repeat(Math.ceil(gap / 2));
  return text + " ".repeat(gap);
}

function charCount(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

// ---------------------------------------------------------------------------------------------
// Inline markup.

interface InlineOptions {
  /** The line ends the input: unfinished markup is closed or hidden instead of shown raw. */
  tail: boolean;
  /** Plain text (table cells): no markup, no escaping. */
  plain?: boolean;
  /** Already bold (a heading): strong emphasis adds nothing. */
  inBold?: boolean;
  /** Links may be recognised (false inside link text: links do not nest). */
  links?: boolean;
}

type Token =
  | { kind: "text"; text: string }
  /** Finished output (code, links, mentions), copied as it is. */
  | { kind: "raw"; text: string }
  | Delimiter;

interface Delimiter {
  kind: "delim";
  char: "*" | "_" | "~";
  /** Characters of the run not yet used by a match; these show literally. */
  left: number;
  canOpen: boolean;
  canClose: boolean;
  /** Whether a letter or digit touches the run on the outside, before and after it. */
  wordBefore: boolean;
  wordAfter: boolean;
  /** Markers this run opens (innermost first) and closes (innermost first). */
  opens: string[];
  closes: string[];
  /** Dropped: an unfinished run at the very end of a streaming line. */
  hidden: boolean;
}

function inline(source: string, options: InlineOptions): string {
  const links = options.links ?? true;
  const tokens: Token[] = [];
  let text = "";
  const flush = () => {
    if (text !== "") tokens.push({ kind: "text", text });
    text = "";
  };
  const raw = (value: string) => {
    flush();
    if (value !== "") tokens.push({ kind: "raw", text: value });
  };
  const brackets = links && source.includes("[") ? matchBrackets(source) : null;
  const scan = { budget: LINK_SCAN_BUDGET_PER_CHAR * source.length };
  // Backtick run lengths with no closing run after the last search: the search is not repeated.
  const unclosedRuns = new Set<number>();

  let i = 0;
  while (i < source.length) {
    INLINE_SPECIAL.lastIndex = i;
    const next = INLINE_SPECIAL.exec(source)?.index ?? source.length;
    text += source.slice(i, next);
    i = next;
    if (i >= source.length) break;
    const ch = source[i] ?? "";

    if (ch === "\\") {
      const escaped = source[i + 1];
      // A backslash ending the line is a hard line break: the line break itself is kept.
      if (escaped === undefined) i++;
      else if (ASCII_PUNCTUATION.includes(escaped)) {
        text += escaped;
        i += 2;
      } else {
        text += ch;
        i++;
      }
    } else if (ch === "`") {
      const run = runLength(source, i, "`");
      const close = unclosedRuns.has(run) ? -1 : findClosingRun(source, i + run, run);
      if (close !== -1) {
        raw(codeSpan(source.slice(i + run, close), options));
        i = close + run;
      } else {
        unclosedRuns.add(run);
        const rest = source.slice(i + run);
        if (options.tail && (rest === "" || !/^\s/.test(rest))) {
          // Still streaming: the code runs to the end of the line until its closing backticks come.
          raw(codeSpan(rest, options));
          i = source.length;
        } else {
          text += "`".repeat(run);
          i += run;
        }
      }
    } else if ((ch === "[" || (ch === "!" && source[i + 1] === "[")) && brackets) {
      const open = ch === "[" ? i : i + 1;
      const link = scan.budget > 0 ? parseLink(source, open, brackets[open] ?? -1, options, scan) : null;
      if (link) {
        raw(link.output);
        i = link.end;
      } else {
        text += ch;
        i++;
      }
    } else if (ch === "<" && links) {
      // Outside link text only: Slack cannot nest a mention or link inside a link.
      const reference = matchAt(SLACK_REFERENCE, source, i);
      const slackLink = reference ? null : matchAt(SLACK_LINK, source, i);
      const autolink = reference || slackLink ? null : matchAt(AUTOLINK, source, i);
      const email = reference || slackLink || autolink ? null : matchAt(EMAIL_AUTOLINK, source, i);
      if (reference) {
        if (options.plain) text += reference[0];
        else raw(reference[0]);
        i += reference[0].length;
      } else if (slackLink) {
        const [whole, url = "", label = ""] = slackLink;
        raw(renderLink(url, label === "" ? "" : escapeText(label), label, options));
        i += whole.length;
      } else if (autolink) {
        raw(renderLink(autolink[1] ?? "", "", "", options));
        i += autolink[0].length;
      } else if (email && isEmail(email[1] ?? "")) {
        const address = email[1] ?? "";
        raw(options.plain ? address : `<mailto:${escapeUrl(address)}|${escapeText(address)}>`);
        i += email[0].length;
      } else {
        text += ch;
        i++;
      }
    } else if (ch === "*" || ch === "_" || ch === "~") {
      const run = runLength(source, i, ch);
      // Only ~~double~~ tildes strike: a single one is too often "about" (~5 minutes).
      if (ch === "~" && run !== 2) text += ch.repeat(run);
      else {
        flush();
        tokens.push(delimiter(source, i, run, ch));
      }
      i += run;
    } else if (ch === "h" && links && startsBareUrl(source, i)) {
      const url = bareUrlAt(source, i);
      if (url) {
        raw(renderLink(url, "", "", options));
        i += url.length;
      } else {
        text += ch;
        i++;
      }
    } else {
      text += ch;
      i++;
    }
  }
  flush();

  matchEmphasis(tokens, options);
  let output = "";
  for (const token of tokens) {
    if (token.kind === "text") output += options.plain ? token.text : escapeText(token.text);
    else if (token.kind === "raw") output += token.text;
    else output += renderDelimiter(token);
  }
  return output;
}

function delimiter(source: string, at: number, run: number, char: "*" | "_" | "~"): Delimiter {
  const before = codePointBefore(source, at);
  const after = codePointAt(source, at + run);
  const spaceBefore = isWhitespace(before);
  const spaceAfter = isWhitespace(after);
  const punctBefore = isPunctuation(before);
  const punctAfter = isPunctuation(after);
  // CommonMark's flanking rules for _, so snake_case stays as it is. For * and ~ only the inner
  // side counts: LLMs write **Note:**text and **注意：**文字, which strict CommonMark leaves unformatted.
  const leftFlanking = !spaceAfter && (!punctAfter || spaceBefore || punctBefore);
  const rightFlanking = !spaceBefore && (!punctBefore || spaceAfter || punctAfter);
  const canOpen = char === "_" ? leftFlanking && (!rightFlanking || punctBefore) : !spaceAfter;
  const canClose = char === "_" ? rightFlanking && (!leftFlanking || punctAfter) : !spaceBefore;
  return {
    kind: "delim",
    char,
    left: run,
    canOpen,
    canClose,
    wordBefore: isWordChar(before),
    wordAfter: isWordChar(after),
    opens: [],
    closes: [],
    hidden: false,
  };
}

/**
 * Pairs openers with closers (CommonMark's delimiter stack, simplified: no rule of three). An
 * opener skipped by a match is dropped from the stack, so each search is paid for once: linear.
 */
function matchEmphasis(tokens: Token[], options: InlineOptions): void {
  const stack: Delimiter[] = [];
  const openers = { "*": 0, _: 0, "~": 0 };
  for (const token of tokens) {
    if (token.kind !== "delim") continue;
    if (token.canClose) {
      while (token.left > 0 && openers[token.char] > 0) {
        let k = stack.length - 1;
        while (k >= 0 && stack[k]?.char !== token.char) k--;
        const opener = stack[k];
        if (!opener) break;
        for (let m = stack.length - 1; m > k; m--) openers[stack[m]?.char ?? "*"]--;
        stack.length = k + 1;
        const use = token.char === "~" || (opener.left >= 2 && token.left >= 2) ? 2 : 1;
        const mark = marker(token.char, use, options);
        opener.opens.push(mark);
        token.closes.push(mark);
        opener.left -= use;
        token.left -= use;
        if (opener.left === 0) {
          stack.pop();
          openers[token.char]--;
        }
      }
    }
    if (token.left > 0 && token.canOpen) {
      stack.push(token);
      openers[token.char]++;
    }
  }
  if (!options.tail) return;

  // Still streaming: ** __ ~~ left open close at the end of the line, innermost first, so the text
  // shows formatted as it arrives. A single * or _ stays literal: it may be one (*nix).
  const last = tokens[tokens.length - 1];
  const closing: string[] = [];
  for (let k = stack.length - 1; k >= 0; k--) {
    const opener = stack[k];
    if (!opener || opener === last || opener.opens.length > 0 || opener.left < 2) continue;
    while (opener.left > 0) {
      const use = opener.char === "~" || opener.left >= 2 ? 2 : 1;
      const mark = marker(opener.char, use, options);
      opener.opens.push(mark);
      closing.push(mark);
      opener.left -= Math.min(use, opener.left);
    }
  }
  // A run ending the line that matched nothing is most likely the start of markup still coming.
  if (last?.kind === "delim" && last.opens.length === 0 && last.closes.length === 0) {
    if (!last.canClose || last.left >= 2) last.hidden = true;
  }
  if (closing.length > 0) tokens.push({ kind: "raw", text: closing.join("") });
}

function marker(char: "*" | "_" | "~", use: number, options: InlineOptions): string {
  if (options.plain) return "";
  if (char === "~") return "~";
  if (use >= 2) return options.inBold ? "" : "*";
  return "_";
}

function renderDelimiter(d: Delimiter): string {
  const literal = d.hidden ? "" : d.char.repeat(d.left);
  const closes = d.closes.join("");
  const opens = [...d.opens].reverse().join("");
  let output = closes;
  if (closes !== "" && d.wordAfter) output += ZERO_WIDTH_SPACE;
  if (opens !== "" && d.wordBefore) output += ZERO_WIDTH_SPACE;
  return output + literal + opens;
}

/** Index of the next run of exactly `run` backticks at or after `from`, or -1. */
function findClosingRun(source: string, from: number, run: number): number {
  for (let i = source.indexOf("`", from); i !== -1; ) {
    const length = runLength(source, i, "`");
    if (length === run) return i;
    i = source.indexOf("`", i + length);
  }
  return -1;
}

function codeSpan(content: string, options: InlineOptions): string {
  let code = content;
  // CommonMark: one space padding each side is dropped (it lets code start or end with a backtick).
  if (code.length >= 2 && code.startsWith(" ") && code.endsWith(" ") && code.trim() !== "")
    code = code.slice(1, -1);
  if (code === "" || options.plain) return code;
  return `\`${escapeCode(code)}\``;
}

/** For each "[" the index of its matching "]", or -1; one pass with a stack. */
function matchBrackets(source: string): Int32Array {
  const match = new Int32Array(source.length).fill(-1);
  const open: number[] = [];
  for (let i = 0; i < source.length; i++) {
    const ch = source[i];
    if (ch === "\\") i++;
    else if (ch === "[") open.push(i);
    else if (ch === "]") {
      const start = open.pop();
      if (start !== undefined) match[start] = i;
    }
  }
  return match;
}

/** `[text](url "title")` or `![alt](url)` with its "[" at `open`; null when it is not one. */
function parseLink(
  source: string,
  open: number,
  close: number,
  options: InlineOptions,
  scan: { budget: number },
): { output: string; end: number } | null {
  if (close === -1 || source[close + 1] !== "(") return null;
  const label = source.slice(open + 1, close);
  const destination = parseDestination(source, close + 2);
  scan.budget -= destination.scanned - close;
  const labelOutput = () => inline(label, { ...options, tail: false, links: false });
  if (destination.kind === "partial") {
    // Still streaming the URL: show the link text alone until the link is complete.
    return options.tail ? { output: labelOutput(), end: source.length } : null;
  }
  if (destination.kind === "none") return null;
  return { output: renderLink(destination.url, labelOutput(), label, options), end: destination.scanned };
}

type Destination =
  | { kind: "link"; url: string; scanned: number }
  /** The line ended before the link did. */
  | { kind: "partial"; scanned: number }
  | { kind: "none"; scanned: number };

/** The destination (and optional title) after "(" at `from`; `scanned`: how far the scan went. */
function parseDestination(source: string, from: number): Destination {
  const partial = { kind: "partial", scanned: source.length } as const;
  let i = skipSpaces(source, from);
  let url: string;
  if (source[i] === "<") {
    const start = i + 1;
    let end = start;
    while (end < source.length && end - start <= URL_MAX_CHARS && source[end] !== ">" && source[end] !== "<")
      end++;
    if (end >= source.length) return partial;
    if (source[end] !== ">") return { kind: "none", scanned: end };
    url = source.slice(start, end);
    i = end + 1;
  } else {
    const start = i;
    let depth = 0;
    for (; i < source.length && i - start <= URL_MAX_CHARS; i++) {
      const ch = source[i];
      if (ch === " " || ch === "\t") break;
      if (ch === "\\") i++;
      else if (ch === "(") depth++;
      else if (ch === ")") {
        if (depth === 0) break;
        depth--;
      }
    }
    if (i - start > URL_MAX_CHARS) return { kind: "none", scanned: i };
    url = source.slice(start, i);
  }
  i = skipSpaces(source, i);
  const quote = source[i];
  if (quote === '"' || quote === "'" || quote === "(") {
    const closer = quote === "(" ? ")" : quote;
    let j = i + 1;
    while (j < source.length && j - i <= URL_MAX_CHARS && source[j] !== closer)
      j += source[j] === "\\" ? 2 : 1;
    if (j >= source.length) return partial;
    if (source[j] !== closer) return { kind: "none", scanned: j };
    i = skipSpaces(source, j + 1);
  }
  if (i >= source.length) return partial;
  if (source[i] !== ")") return { kind: "none", scanned: i };
  return { kind: "link", url: url.trim(), scanned: i + 1 };
}

function skipSpaces(source: string, from: number): number {
  let i = from;
  while (source[i] === " " || source[i] === "\t") i++;
  return i;
}

/** `rendered` is the link text as mrkdwn, `label` as written (for plain text). */
function renderLink(url: string, rendered: string, label: string, options: InlineOptions): string {
  if (options.plain) {
    const text = label === "" ? "" : inline(label, { tail: false, plain: true, links: false });
    return text === "" || text === url ? url : url === "" ? text : `${text} (${url})`;
  }
  if (url === "") return rendered;
  return rendered === "" ? `<${escapeUrl(url)}>` : `<${escapeUrl(url)}|${rendered}>`;
}

/** GFM recognises a bare URL at the start of a line, after whitespace, or after * _ ~ (. */
function startsBareUrl(source: string, at: number): boolean {
  const before = source[at - 1];
  return (
    (before === undefined || /[\s*_~(]/.test(before)) &&
    (source.startsWith("http://", at) || source.startsWith("https://", at))
  );
}

function bareUrlAt(source: string, at: number): string | null {
  const match = matchAt(BARE_URL, source, at);
  if (!match) return null;
  let url = match[0];
  for (;;) {
    const last = url[url.length - 1] ?? "";
    if (URL_TRAILING_PUNCTUATION.includes(last)) url = url.slice(0, -1);
    else if (last === ")" && count(url, "(") < count(url, ")")) url = url.slice(0, -1);
    else break;
  }
  return url.length > "https://".length ? url : null;
}

function isEmail(address: string): boolean {
  return address.includes(".", address.indexOf("@"));
}

function count(text: string, ch: string): number {
  let n = 0;
  for (let i = text.indexOf(ch); i !== -1; i = text.indexOf(ch, i + 1)) n++;
  return n;
}

function matchAt(pattern: RegExp, source: string, at: number): RegExpExecArray | null {
  pattern.lastIndex = at;
  return pattern.exec(source);
}

function runLength(source: string, at: number, ch: string): number {
  let end = at;
  while (source[end] === ch) end++;
  return end - at;
}

function codePointBefore(source: string, at: number): string {
  if (at <= 0) return "";
  const low = source.charCodeAt(at - 1);
  const start = low >= 0xdc00 && low <= 0xdfff && at >= 2 ? at - 2 : at - 1;
  return String.fromCodePoint(source.codePointAt(start) ?? 0);
}

function codePointAt(source: string, at: number): string {
  const point = source.codePointAt(at);
  return point === undefined ? "" : String.fromCodePoint(point);
}

/** The start or end of the line counts as whitespace (CommonMark). */
function isWhitespace(ch: string): boolean {
  return ch === "" || /^\s$/u.test(ch);
}

function isPunctuation(ch: string): boolean {
  return /^[\p{P}\p{S}]$/u.test(ch);
}

function isWordChar(ch: string): boolean {
  return /^[\p{L}\p{N}]$/u.test(ch);
}

function escapeText(text: string): string {
  return text.replace(TEXT_ESCAPES, (ch) => ENTITY[ch] ?? ch);
}

/**
 * Code is literal, so every &, < and > is escaped (Slack decodes entities inside code too). A run
 * of three backticks would end Slack's code block early, so an invisible space breaks it up.
 */
function escapeCode(code: string): string {
  const escaped = code.replace(CODE_ESCAPES, (ch) => ENTITY[ch] ?? ch);
  return escaped.includes("```") ? escaped.replace(/`(?=`)/g, `\`${ZERO_WIDTH_SPACE}`) : escaped;
}

function escapeUrl(url: string): string {
  return url.replace(URL_ESCAPES, (ch) => URL_ESCAPE[ch] ?? ch);
}
