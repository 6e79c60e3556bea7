// Every sentence a chat user can read about a failure lives here, one per error code. They say what
// happened and what to do, and never carry secrets, URLs of the service or raw upstream text.
import { type BotError, isBotError } from "./errors.js";

export function userMessageFor(err: unknown): string {
  if (!isBotError(err)) return "Something went wrong on my side and I could not answer. Please try again.";
  return describe(err);
}

function describe(err: BotError): string {
  const details = err.details;
  switch (err.code) {
    case "llm_rate_limited":
      return `The AI service is busy right now. Please try again in ${Math.max(1, details.retryAfterSeconds ?? 10)} s.`;
    case "llm_content_filter":
      return details.filteredPart === "completion"
        ? `The answer was stopped by the content filter${details.category ? ` (${details.category})` : ""}.`
        : `Your message was blocked by the content filter${details.category ? ` (${details.category})` : ""}. Please rephrase it.`;
    case "llm_auth":
      return "I could not sign in to the AI service. This is a configuration problem: please tell the bot's administrator.";
    case "llm_not_found":
      return `The model or deployment ${details.name ? `\`${details.name}\` ` : ""}was not found. Please tell the bot's administrator, or pick another with \`settings set model <name>\`.`;
    case "llm_context_length":
      return "This conversation is too long for the model even after trimming. Start a new thread, or use `forget`.";
    case "llm_timeout":
      return "The AI service took too long to answer. Please try again.";
    case "llm_stream_cut":
      return "The answer was cut off because the connection to the AI service broke. Please try again.";
    case "llm_bad_request":
      return "The AI service refused the request. Please tell the bot's administrator if this keeps happening.";
    case "datasource_error":
      switch (details.kind) {
        case "throttled":
          return "The document search is busy right now, so I could not answer from your documents. Please try again in a minute.";
        case "timeout":
          return "The document search took too long, so I could not answer from your documents. Please try again.";
        case "unavailable":
          return "The document search is unreachable right now, so I could not answer from your documents. Please try again in a minute.";
        default:
          return "The document search failed, so I could not answer from your documents. Please tell the bot's administrator.";
      }
    case "llm_unavailable":
      return "The AI service is unavailable right now. Please try again in a minute.";
    case "input_too_long":
      return `Your message is too long for the model${details.tokens !== undefined && details.available !== undefined ? ` (about ${details.tokens} tokens against ${details.available} available)` : ""}. Please shorten it or split it up.`;
    case "store_unavailable":
      return "My memory store is unreachable right now, so I could not answer. Please try again in a moment.";
    case "shutting_down":
      return "I was restarting and could not finish this answer. Please ask again in a moment.";
    default:
      return "Something went wrong on my side and I could not answer. Please try again.";
  }
}
