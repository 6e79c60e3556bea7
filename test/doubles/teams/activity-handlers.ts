// Send, reply, update and delete: the activity endpoints botbuilder's CloudAdapter calls
// (sendToConversation, replyToActivity, updateActivity, deleteActivity). Streaming requests go to
// stream-rules; everything else is a plain message, a typing indicator, or refused.
import { checkContent, readContent } from "./content-checks.js";
import type { Conversation } from "./conversation-model.js";
import { type Answer, answerError, type HandlerContext } from "./handler-context.js";
import type { Route } from "./routes.js";
import { readStreamInfo } from "./stream-info.js";
import { handleStreamRequest } from "./stream-rules.js";
import { ACTIVITY_NOT_FOUND, badArgument, CONVERSATION_NOT_FOUND } from "./teams-errors.js";

type ActivityRoute = Extract<Route, { kind: "send" | "reply" | "update" | "delete" }>;

export function handleActivityRoute(ctx: HandlerContext, route: ActivityRoute): Answer {
  const conversation = resolveConversation(ctx, route.conversationId);
  if (!conversation) return answerError(CONVERSATION_NOT_FOUND);
  if (route.kind === "delete") return deleteActivity(ctx, conversation, route.activityId);
  if (typeof ctx.body.type !== "string") {
    ctx.violation("invalid-body", "the activity has no type");
    return answerError(badArgument("Activity type is required."));
  }
  if (route.kind === "update") return updateActivity(ctx, conversation, route.activityId);
  const replyToId = route.kind === "reply" ? route.activityId : undefined;
  const info = readStreamInfo(ctx.body);
  if (info) return handleStreamRequest(ctx, conversation, route.conversationId, replyToId, info);
  return postActivity(ctx, conversation, route.conversationId, replyToId);
}

function resolveConversation(ctx: HandlerContext, conversationId: string): Conversation | undefined {
  if (ctx.settings.strictConversations) return ctx.store.find(conversationId);
  const described = ctx.body.conversation;
  const hint =
    typeof described === "object" && described !== null ? (described as Record<string, unknown>) : {};
  return ctx.store.ensure(conversationId, hint.conversationType, hint.tenantId);
}

function postActivity(
  ctx: HandlerContext,
  conversation: Conversation,
  conversationId: string,
  replyToId: string | undefined,
): Answer {
  const type = String(ctx.body.type);
  if (type === "typing") {
    conversation.typingIndicators += 1;
    return { status: 200, body: {} };
  }
  if (type !== "message") {
    // assumed: Teams' answer to other outgoing activity types is not documented.
    ctx.violation("invalid-body", `the double models message and typing activities, not ${type}`);
    return answerError(badArgument(`Unsupported activity type: ${type}.`));
  }
  const content = readContent(ctx.body);
  if (content.text === "" && content.attachments.length === 0) {
    ctx.violation("missing-text", "a message with neither text nor attachments");
    return answerError(badArgument("Message text or attachments are required."));
  }
  const refused = checkContent(ctx, content, false);
  if (refused) return refused;
  const id = ctx.nextActivityId();
  conversation.messages.push({
    id,
    conversationId,
    ...content,
    replyToId,
    updated: false,
    updateCount: 0,
    deleted: false,
    createdAt: ctx.now,
    updatedAt: ctx.now,
  });
  return { status: 201, body: { id } };
}

function updateActivity(ctx: HandlerContext, conversation: Conversation, activityId: string): Answer {
  const message = conversation.messages.find((m) => m.id === activityId && !m.deleted);
  if (!message) {
    ctx.violation("unknown-activity", `update of ${activityId}, which the bot did not post here`);
    return answerError(ACTIVITY_NOT_FOUND);
  }
  const content = readContent(ctx.body);
  const refused = checkContent(ctx, content, false);
  if (refused) return refused;
  // An update replaces the message: entities left out (the AI label, citations) are gone
  // (microsoft/botframework-sdk#6660).
  Object.assign(message, content, {
    updated: true,
    updateCount: message.updateCount + 1,
    updatedAt: ctx.now,
  });
  return { status: 200, body: { id: activityId } };
}

function deleteActivity(ctx: HandlerContext, conversation: Conversation, activityId: string): Answer {
  const message = conversation.messages.find((m) => m.id === activityId && !m.deleted);
  if (!message) {
    ctx.violation("unknown-activity", `delete of ${activityId}, which the bot did not post here`);
    return answerError(ACTIVITY_NOT_FOUND);
  }
  message.deleted = true;
  message.updatedAt = ctx.now;
  return { status: 200 };
}
