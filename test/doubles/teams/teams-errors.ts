// The errors the double answers, in Bot Framework's ErrorResponse shape {error:{code,message}}, each
// with where its status, code and message come from. "assumed" marks answers no public source pins
// down; they are kept plausible and listed so a test never mistakes them for documented behaviour.

export interface TeamsErrorBody {
  error: { code: string; message: string };
}

export interface TeamsError {
  status: number;
  body: TeamsErrorBody;
}

function teamsError(status: number, code: string, message: string): TeamsError {
  return { status, body: { error: { code, message } } };
}

// Streaming: bots/streaming-ux "Error codes" table (MicrosoftDocs/msteams-docs, 2025).
export const STREAM_NOT_ALLOWED = teamsError(403, "ContentStreamNotAllowed", "Content stream is not allowed");
export const STREAM_ALREADY_COMPLETED = teamsError(
  403,
  "ContentStreamNotAllowed",
  "Content stream is not allowed on an already completed streamed message",
);
/**
 * Teams' time limit (two minutes) ended the stream. The table's wording, and the string Microsoft's
 * own SDKs compare against (Agents-for-net TeamsStreamingResponse, teams.ts HttpStream).
 */
export const STREAM_TIMED_OUT = teamsError(
  403,
  "ContentStreamNotAllowed",
  "Content stream finished due to exceeded streaming time.",
);
/** The docs spell it "canceled" in the table and "cancelled" in the Stop section; the table is newer. */
export const STREAM_CANCELED_BY_USER = teamsError(
  403,
  "ContentStreamNotAllowed",
  "Content stream was canceled by user.",
);
export const STREAM_TEXT_NOT_CUMULATIVE = teamsError(
  403,
  "ContentStreamNotAllowed",
  "Request streamed content should contain the previously streamed content",
);
export const STREAM_MESSAGE_TOO_LARGE = teamsError(403, "ContentStreamNotAllowed", "Message size too large");
/** "API calls quota exceeded" (code "NA" in the table); the code is the one Teams uses for every 429. */
export const STREAM_TOO_FAST = teamsError(429, "Throttled", "API calls quota exceeded");
/** Out-of-order updates are answered 202 with this code and dropped (streaming-ux table). */
export const STREAM_SEQUENCE_PRECONDITION = teamsError(
  202,
  "ContentStreamSequenceOrderPreConditionFailed",
  "PreCondition failed exception when processing streaming activity.",
);
export const STREAM_START_WITHOUT_TEXT = teamsError(
  400,
  "BadRequest",
  "Start streaming activities should include text",
);
/** Seen by a bot that sent streamType final on a typing activity (OfficeDev/Microsoft-Teams-Samples#1455). */
export const STREAM_TYPING_TYPE = teamsError(
  400,
  "BadSyntax",
  "Only start streaming and continue streaming types are allowed as a typing activity",
);
/**
 * Streaming outside a personal chat: Microsoft's Agents SDK falls back to a plain send on BadArgument
 * whose message contains "streaming api is not enabled" (microsoft/Agents-for-net#424, for #423: group
 * chats and channels). Status and full wording assumed; microsoft/teams-sdk#2316 saw a 405 in early 2025.
 */
export const STREAMING_NOT_ENABLED = teamsError(
  400,
  "BadArgument",
  "Streaming api is not enabled for this conversation type",
);
export const STREAMING_NOT_ENABLED_405 = teamsError(405, "MethodNotAllowed", "Method Not Allowed");
/** assumed: a streaming request without a usable streamId / streamSequence. */
export function streamBadRequest(message: string): TeamsError {
  return teamsError(400, "BadRequest", message);
}

// General: "Status codes from bot conversational APIs" (bots/build-conversational-capability).
export const THROTTLED = teamsError(429, "Throttled", "Too many requests.");
export const CONVERSATION_NOT_FOUND = teamsError(404, "ConversationNotFound", "Conversation not found.");
/** The documented message for this code really is "Conversation not found.". */
export const ACTIVITY_NOT_FOUND = teamsError(
  404,
  "ActivityNotFoundInConversation",
  "Conversation not found.",
);
export const MESSAGE_SIZE_TOO_BIG = teamsError(413, "MessageSizeTooBig", "Message size too large.");
export const PRECONDITION_FAILED = teamsError(
  412,
  "PreconditionFailed",
  "Precondition failed, please try again.",
);
export const CONVERSATION_BLOCKED = teamsError(
  403,
  "ConversationBlockedByUser",
  "User blocked the conversation with the bot.",
);
export const BOT_NOT_REGISTERED = teamsError(401, "BotNotRegistered", "No registration found for this bot.");
export const SERVICE_ERROR = teamsError(
  500,
  "ServiceError",
  "An error occurred while processing the request.",
);
/** Two root https://schema.org/Message entities (microsoft/teams.ts#185, a real 400 from Teams). */
export const MULTIPLE_ROOT_MESSAGE_ENTITIES = teamsError(
  400,
  "BadSyntax",
  "Multiple root message entities found in the bot activity",
);
/** Code from Microsoft's samples (TeamsInfo.getMember catch); 400 as observed by a third party. */
export const MEMBER_NOT_FOUND = teamsError(
  400,
  "MemberNotFoundInConversation",
  "The specified member was not found in the conversation.",
);
export function badArgument(message: string): TeamsError {
  return teamsError(400, "BadArgument", message);
}
/** assumed: a path the Bot Connector service does not have. */
export const NOT_FOUND = teamsError(404, "NotFound", "The requested resource was not found.");

/** The body an injected failure answers with when the test gives none. */
export function defaultErrorFor(status: number): TeamsError {
  const known = [
    BOT_NOT_REGISTERED,
    CONVERSATION_BLOCKED,
    CONVERSATION_NOT_FOUND,
    PRECONDITION_FAILED,
    MESSAGE_SIZE_TOO_BIG,
    THROTTLED,
    SERVICE_ERROR,
  ].find((e) => e.status === status);
  if (known) return known;
  if (status === 400) return badArgument("Bad argument.");
  return teamsError(status, "ServiceError", `Injected failure with status ${status}.`);
}
