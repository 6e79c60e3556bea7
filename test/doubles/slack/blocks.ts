// Block Kit checks the double applies to `blocks`, answered the way Slack answers them: the error
// code plus `[ERROR] ... [json-pointer:...]` lines (shape from real invalid_blocks answers, e.g.
// yonicd/slackreprex#3), and the text a user reads off a blocks message.
import {
  BLOCK_ID_MAX_CHARS,
  CONTEXT_ACTIONS_MAX_ELEMENTS,
  FEEDBACK_BUTTON_TEXT_MAX_CHARS,
  FEEDBACK_BUTTON_VALUE_MAX_CHARS,
  HEADER_TEXT_MAX_CHARS,
  MARKDOWN_BLOCK_MAX_CHARS,
  MAX_BLOCKS,
  SECTION_FIELD_MAX_CHARS,
  SECTION_MAX_FIELDS,
  SECTION_TEXT_MAX_CHARS,
} from "./limits.js";

export interface BlocksProblem {
  error: "invalid_blocks" | "invalid_blocks_format" | "msg_blocks_too_long";
  messages: string[];
}

/** undefined when Slack would accept the blocks. */
export function checkBlocks(blocks: unknown, pointer = "/blocks"): BlocksProblem | undefined {
  if (!Array.isArray(blocks)) {
    return {
      error: "invalid_blocks_format",
      messages: [`[ERROR] must be an array [json-pointer:${pointer}]`],
    };
  }
  const messages: string[] = [];
  if (blocks.length > MAX_BLOCKS)
    messages.push(`no more than ${MAX_BLOCKS} items allowed [json-pointer:${pointer}]`);
  blocks.forEach((block, i) => {
    checkBlock(block, `${pointer}/${i}`, messages);
  });
  if (messages.length > 0) return { error: "invalid_blocks", messages: messages.map((m) => `[ERROR] ${m}`) };
  const markdownChars = blocks
    .filter((b) => isRecord(b) && b.type === "markdown")
    .reduce((sum, b) => sum + String((b as Record<string, unknown>).text ?? "").length, 0);
  if (markdownChars > MARKDOWN_BLOCK_MAX_CHARS) {
    // The markdown block limit is cumulative per message (Block Kit markdown reference; bolt-js#2509).
    return {
      error: "msg_blocks_too_long",
      messages: [`[ERROR] markdown blocks hold more than ${MARKDOWN_BLOCK_MAX_CHARS} characters in total`],
    };
  }
  return undefined;
}

/** What a user reads off blocks: the text of markdown, section and header blocks, one per line. */
export function blocksText(blocks: readonly unknown[]): string {
  const lines: string[] = [];
  for (const block of blocks) {
    if (!isRecord(block)) continue;
    if (block.type === "markdown" && typeof block.text === "string") lines.push(block.text);
    if ((block.type === "section" || block.type === "header") && isRecord(block.text)) {
      lines.push(String(block.text.text ?? ""));
    }
    if (block.type === "section" && Array.isArray(block.fields)) {
      for (const field of block.fields) if (isRecord(field)) lines.push(String(field.text ?? ""));
    }
  }
  return lines.join("\n");
}

function checkBlock(block: unknown, at: string, messages: string[]): void {
  if (!isRecord(block) || typeof block.type !== "string") {
    messages.push(`missing required field: type [json-pointer:${at}]`);
    return;
  }
  if (typeof block.block_id === "string" && block.block_id.length > BLOCK_ID_MAX_CHARS) {
    messages.push(`must be less than ${BLOCK_ID_MAX_CHARS + 1} characters [json-pointer:${at}/block_id]`);
  }
  switch (block.type) {
    case "section":
      checkSection(block, at, messages);
      break;
    case "header":
      checkTextObject(block.text, `${at}/text`, HEADER_TEXT_MAX_CHARS, messages, true);
      break;
    case "markdown":
      if (typeof block.text !== "string")
        messages.push(`missing required field: text [json-pointer:${at}/text]`);
      else if (block.text.length > MARKDOWN_BLOCK_MAX_CHARS) {
        messages.push(
          `must be less than ${MARKDOWN_BLOCK_MAX_CHARS + 1} characters [json-pointer:${at}/text]`,
        );
      }
      break;
    case "context_actions":
      checkContextActions(block, at, messages);
      break;
  }
}

function checkSection(block: Record<string, unknown>, at: string, messages: string[]): void {
  if (block.text === undefined && block.fields === undefined) {
    messages.push(`must provide either text or fields [json-pointer:${at}]`);
  }
  if (block.text !== undefined) checkTextObject(block.text, `${at}/text`, SECTION_TEXT_MAX_CHARS, messages);
  if (block.fields === undefined) return;
  if (!Array.isArray(block.fields) || block.fields.length > SECTION_MAX_FIELDS) {
    messages.push(`no more than ${SECTION_MAX_FIELDS} items allowed [json-pointer:${at}/fields]`);
    return;
  }
  block.fields.forEach((field, i) => {
    checkTextObject(field, `${at}/fields/${i}`, SECTION_FIELD_MAX_CHARS, messages);
  });
}

function checkContextActions(block: Record<string, unknown>, at: string, messages: string[]): void {
  if (!Array.isArray(block.elements) || block.elements.length === 0) {
    messages.push(`missing required field: elements [json-pointer:${at}/elements]`);
    return;
  }
  if (block.elements.length > CONTEXT_ACTIONS_MAX_ELEMENTS) {
    messages.push(`no more than ${CONTEXT_ACTIONS_MAX_ELEMENTS} items allowed [json-pointer:${at}/elements]`);
  }
  block.elements.forEach((element, i) => {
    if (!isRecord(element) || element.type !== "feedback_buttons") return;
    for (const side of ["positive_button", "negative_button"] as const) {
      const button = element[side];
      const where = `${at}/elements/${i}/${side}`;
      if (!isRecord(button)) {
        messages.push(`missing required field: ${side} [json-pointer:${where}]`);
        continue;
      }
      checkTextObject(button.text, `${where}/text`, FEEDBACK_BUTTON_TEXT_MAX_CHARS, messages, true);
      if (typeof button.value !== "string")
        messages.push(`missing required field: value [json-pointer:${where}]`);
      else if (button.value.length > FEEDBACK_BUTTON_VALUE_MAX_CHARS) {
        messages.push(
          `must be less than ${FEEDBACK_BUTTON_VALUE_MAX_CHARS + 1} characters [json-pointer:${where}/value]`,
        );
      }
    }
  });
}

function checkTextObject(
  text: unknown,
  at: string,
  maxChars: number,
  messages: string[],
  plainOnly = false,
): void {
  if (!isRecord(text) || typeof text.text !== "string") {
    messages.push(`missing required field: text [json-pointer:${at}]`);
    return;
  }
  const allowed = plainOnly ? ["plain_text"] : ["plain_text", "mrkdwn"];
  if (!allowed.includes(String(text.type))) {
    messages.push(`must be one of ${allowed.join(", ")} [json-pointer:${at}/type]`);
  }
  if (text.text.length > maxChars)
    messages.push(`must be less than ${maxChars + 1} characters [json-pointer:${at}/text]`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
