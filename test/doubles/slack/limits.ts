// Slack's published limits, as the double enforces them. Each names the rule it comes from.

/** `text` over this fails with msg_too_long (DESIGN.md; seratch/ChatGPT-in-Slack#102: the 40,000 truncation is old). */
export const TEXT_MAX_CHARS = 4_000;
/** `markdown_text` limit (method docs: "Limit this field to 12,000 characters"). */
export const MARKDOWN_TEXT_MAX_CHARS = 12_000;
/** A section block's `text.text` (Block Kit: "must be less than 3001 characters"). */
export const SECTION_TEXT_MAX_CHARS = 3_000;
/** A section block's field text (Block Kit section reference). */
export const SECTION_FIELD_MAX_CHARS = 2_000;
/** A section block holds at most this many fields (Block Kit section reference). */
export const SECTION_MAX_FIELDS = 10;
/** A header block's text (Block Kit header reference). */
export const HEADER_TEXT_MAX_CHARS = 150;
/** One markdown block's text, and the sum over a message's markdown blocks (Block Kit markdown reference). */
export const MARKDOWN_BLOCK_MAX_CHARS = 12_000;
/** Blocks per message ("blocks are limited to 50 per message"). */
export const MAX_BLOCKS = 50;
/** block_id length (Block Kit: "Maximum length for this field is 255 characters"). */
export const BLOCK_ID_MAX_CHARS = 255;
/** context_actions elements (Block Kit context actions reference: "Maximum number of items is 5"). */
export const CONTEXT_ACTIONS_MAX_ELEMENTS = 5;
/** Feedback button label and value (Block Kit feedback buttons reference). */
export const FEEDBACK_BUTTON_TEXT_MAX_CHARS = 75;
export const FEEDBACK_BUTTON_VALUE_MAX_CHARS = 2_000;
/** assistant.threads.setStatus loading_messages ("Maximum of 10 messages"). */
export const LOADING_MESSAGES_MAX = 10;

/**
 * Slack closes a native stream about five minutes after chat.startStream, even while appends keep
 * coming (slackapi/node-slack-sdk#2702, vercel/chat#637, python-slack-sdk#1859). Later appends and
 * stops answer message_not_in_streaming_state; chat.update on the ts still works.
 */
export const STREAM_LIFETIME_MS = 5 * 60_000;

export const MINUTE_MS = 60_000;
export const SECOND_MS = 1_000;
