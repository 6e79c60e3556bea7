// The short notes the engine adds to an answer so people know what it is based on and why it ends
// where it does. Markdown; each sink renders it its own way.

export const TRUNCATED_NOTE = "\n\n_(The answer reached the `max_tokens` limit.)_";
export const DEGRADED_NOTE =
  "\n\n_(My memory store is unreachable right now, so I answered without the earlier messages of this conversation.)_";
export const EMPTY_ANSWER_NOTE = "_(The model returned an empty answer. Try rephrasing the question.)_";
/** Reasoning models can spend the whole budget thinking and return no text at all. */
export const EMPTY_AT_LIMIT_NOTE =
  "_(The model used its whole `max_tokens` budget before writing an answer. Raise it with `settings set max_tokens <n>`.)_";

/** Said when a data source was searched and returned nothing to cite. */
export function nothingFoundNote(name: string): string {
  return `\n\n_(Nothing in **${name}** matched this question, so this answer is not based on those documents.)_`;
}

/** The service's own answer when in_scope found nothing ("…not available in the retrieved data…"). */
export function saysNothingFound(text: string): boolean {
  return text.trim() === "" || /not (?:available|found) in the retrieved data/i.test(text);
}

/** Said before an answer given without its data source, when the search failed and that is allowed. */
export function noDataSourceNote(name: string): string {
  return `_(The document search in **${name}** failed, so this answer does not use those documents.)_\n\n`;
}

/** Outside the allow-lists (said once per conversation). */
export const NOT_ENABLED_HERE = "I'm not enabled in this conversation. Ask your admin if you need me here.";
/** A user outside ALLOWED_USERS (said once per conversation). */
export const NOT_ENABLED_FOR_USER = "I'm not enabled for you yet. Ask your admin if you need access.";
