// Suggested prompts: the few questions a new user can start from. One list for every surface: the
// Slack Messages tab (setSuggestedPrompts), the Slack manifest's agent_view, and the Teams manifest's
// prompt starters. SLACK_SUGGESTED_PROMPTS replaces the defaults; a conversation whose data source is
// on gets one for it first.
import { z } from "zod";

export interface SuggestedPrompt {
  /** What the button says. */
  title: string;
  /** What is sent as the user's message when it is clicked. */
  message: string;
}

/** Slack shows at most four (agent_view.suggested_prompts, setSuggestedPrompts). */
export const MAX_PROMPTS = 4;
/** Teams prompt starters: a title of at most 32 characters (Teams app manifest, commandLists). */
export const MAX_TITLE_CHARS = 32;
export const MAX_MESSAGE_CHARS = 128;

export const DEFAULT_PROMPTS: readonly SuggestedPrompt[] = [
  { title: "What can you do?", message: "What can you help me with?" },
  { title: "Summarize a text", message: "Summarize the text I paste next in three bullet points." },
  { title: "Draft a message", message: "Help me write a short, friendly message to my team." },
  { title: "Show my settings", message: "settings" },
];

/** The documented format of SLACK_SUGGESTED_PROMPTS, for the configuration error. */
export const PROMPTS_FORMAT = `a JSON list of 1 to ${MAX_PROMPTS} {"title","message"} objects, titles up to ${MAX_TITLE_CHARS} characters and messages up to ${MAX_MESSAGE_CHARS}, e.g. [{"title":"Vacation policy","message":"How many vacation days do I get?"}]`;

const PromptList = z
  .array(
    z.object({
      title: z.string().trim().min(1).max(MAX_TITLE_CHARS),
      message: z.string().trim().min(1).max(MAX_MESSAGE_CHARS),
    }),
  )
  .min(1)
  .max(MAX_PROMPTS);

/** SLACK_SUGGESTED_PROMPTS parsed, or the defaults when unset; an error message when malformed. */
export function parsePrompts(raw: string | undefined): SuggestedPrompt[] | { error: string } {
  if (raw === undefined || raw.trim() === "") return [...DEFAULT_PROMPTS];
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { error: `must be ${PROMPTS_FORMAT}` };
  }
  const parsed = PromptList.safeParse(value);
  return parsed.success ? parsed.data : { error: `must be ${PROMPTS_FORMAT}` };
}

/** The prompts for one conversation: with its data source on, one that asks it comes first. */
export function promptsFor(configured: readonly SuggestedPrompt[], dataSource?: string): SuggestedPrompt[] {
  if (!dataSource) return configured.slice(0, MAX_PROMPTS);
  const ask = {
    title: `Ask ${dataSource}…`.slice(0, MAX_TITLE_CHARS),
    message: `What can you tell me from ${dataSource}?`.slice(0, MAX_MESSAGE_CHARS),
  };
  return [ask, ...configured].slice(0, MAX_PROMPTS);
}
