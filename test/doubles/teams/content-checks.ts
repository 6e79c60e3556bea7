// Checks on what a bot message carries, shared by plain sends, updates and streaming requests.
import { AI_MESSAGE_ENTITY_TYPE, type Entity, isRecord } from "./conversation-model.js";
import { type Answer, answerError, type HandlerContext } from "./handler-context.js";
import { CITATIONS_MAX } from "./limits.js";
import {
  MESSAGE_SIZE_TOO_BIG,
  MULTIPLE_ROOT_MESSAGE_ENTITIES,
  STREAM_MESSAGE_TOO_LARGE,
} from "./teams-errors.js";

export interface MessageContent {
  text: string;
  textFormat?: string;
  attachments: unknown[];
  entities: Entity[];
  channelData?: Record<string, unknown>;
  suggestedActions?: unknown;
}

export function readContent(body: Record<string, unknown>): MessageContent {
  return {
    text: typeof body.text === "string" ? body.text : "",
    textFormat: typeof body.textFormat === "string" ? body.textFormat : undefined,
    attachments: Array.isArray(body.attachments) ? body.attachments : [],
    entities: Array.isArray(body.entities)
      ? body.entities.filter((e): e is Entity => isRecord(e) && typeof e.type === "string")
      : [],
    channelData: isRecord(body.channelData) ? body.channelData : undefined,
    suggestedActions: body.suggestedActions,
  };
}

/**
 * Size (the limit counts UTF-16, so two bytes a code unit), one root message entity, at most 20
 * citations. Streaming requests are refused with the stream's 403 instead of the plain 413.
 */
export function checkContent(
  ctx: HandlerContext,
  content: MessageContent,
  streaming: boolean,
  streamId?: string,
): Answer | undefined {
  const bytes = 2 * JSON.stringify([content.text, content.attachments, content.entities]).length;
  if (bytes > ctx.settings.messageMaxBytes) {
    ctx.violation(
      "message-too-large",
      `about ${bytes} bytes (UTF-16) > ${ctx.settings.messageMaxBytes}`,
      streamId,
    );
    return answerError(streaming ? STREAM_MESSAGE_TOO_LARGE : MESSAGE_SIZE_TOO_BIG);
  }
  const roots = content.entities.filter((e) => e.type === AI_MESSAGE_ENTITY_TYPE);
  if (roots.length > 1) {
    ctx.violation("multiple-root-message-entities", `${roots.length} root message entities`, streamId);
    return answerError(MULTIPLE_ROOT_MESSAGE_ENTITIES);
  }
  const citations = roots[0]?.citation;
  if (Array.isArray(citations) && citations.length > CITATIONS_MAX) {
    ctx.violation("too-many-citations", `${citations.length} citations > ${CITATIONS_MAX}`, streamId);
  }
  return undefined;
}
