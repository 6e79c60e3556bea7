// For tests that drive the connector double with the real botbuilder client: a CloudAdapter with
// Bot Framework auth off (empty app id: no token is fetched, requests go out unsigned), a turn in a
// given conversation, streaming activities shaped as Teams expects, and the error of a refused call.
import {
  type Activity,
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  type ConversationReference,
  type TurnContext,
} from "botbuilder";
import { botId, DEFAULT_BOT_NAME, DEFAULT_TENANT_ID, DEFAULT_USER } from "./activities.js";
import type { ConversationType } from "./conversation-model.js";

export const TEST_BOT_APP_ID = "00000000-0000-0000-0000-000000000b07";

/** Auth disabled: ConfigurationBotFrameworkAuthentication({}) sends unsigned requests to any serviceUrl. */
export function authDisabledAdapter(): CloudAdapter {
  const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({}));
  adapter.onTurnError = async (_context, error) => {
    throw error;
  };
  return adapter;
}

export interface TestConversation {
  id: string;
  conversationType: ConversationType;
  tenantId?: string;
}

/**
 * Runs `logic` in a proactive turn in the conversation (continueConversationAsync). botbuilder gives
 * that turn a fresh activity id, so sends go to POST .../activities/{that id} (replyToActivity), as
 * replies in a real turn do.
 */
export async function inConversation(
  serviceUrl: string,
  conversation: TestConversation,
  logic: (context: TurnContext) => Promise<void>,
  options: { adapter?: CloudAdapter } = {},
): Promise<void> {
  const adapter = options.adapter ?? authDisabledAdapter();
  const reference: Partial<ConversationReference> = {
    channelId: "msteams",
    serviceUrl,
    bot: { id: botId(TEST_BOT_APP_ID), name: DEFAULT_BOT_NAME },
    user: { id: DEFAULT_USER.id, name: DEFAULT_USER.name },
    conversation: {
      id: conversation.id,
      conversationType: conversation.conversationType,
      isGroup: conversation.conversationType !== "personal",
      tenantId: conversation.tenantId ?? DEFAULT_TENANT_ID,
      name: "",
    },
  };
  await adapter.continueConversationAsync("", reference, logic);
}

export interface StreamActivityOptions {
  text: string;
  streamType: "informative" | "streaming" | "final";
  streamSequence?: number;
  streamId?: string;
  entities?: Array<Record<string, unknown>>;
  channelData?: Record<string, unknown>;
  attachments?: unknown[];
}

/**
 * A streaming request as teams-ai's StreamingResponse builds it: a streaminfo entity plus the same
 * fields in channelData. botbuilder 4.23's serializer keeps only {type} of the entity, so channelData
 * is what reaches Teams unless the Entity mapper is patched (see entity-serialization.test.ts).
 */
export function streamActivity(options: StreamActivityOptions): Partial<Activity> {
  const info: Record<string, unknown> = { streamType: options.streamType };
  if (options.streamSequence !== undefined) info.streamSequence = options.streamSequence;
  if (options.streamId !== undefined) info.streamId = options.streamId;
  return {
    type: options.streamType === "final" ? "message" : "typing",
    text: options.text,
    attachments: options.attachments as Activity["attachments"],
    entities: [{ type: "streaminfo", ...info }, ...(options.entities ?? [])] as Activity["entities"],
    channelData: { ...options.channelData, ...info },
  };
}

export interface RefusedCall {
  statusCode: number | undefined;
  code: string | undefined;
  message: string;
  retryAfter: string | undefined;
}

/** What botbuilder throws for a refused call (a RestError with statusCode, code and message). */
export async function refusal(call: Promise<unknown>): Promise<RefusedCall> {
  try {
    await call;
  } catch (error) {
    const e = error as {
      statusCode?: number;
      code?: string;
      message: string;
      response?: { headers?: { get(name: string): string | undefined } };
    };
    return {
      statusCode: e.statusCode,
      code: e.code,
      message: e.message,
      retryAfter: e.response?.headers?.get("retry-after"),
    };
  }
  throw new Error("the call succeeded");
}
