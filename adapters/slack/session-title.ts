// The title of a new agent session, from the question that started it: its first line, without
// Slack's mention and link markup or Markdown marks, cut at a word within TITLE_MAX_CHARS. A title
// the user set in Slack is remembered (agent_session_title_changed) so the bot never replaces it.
import type { SharedNotes } from "../../src/store/types.js";

/** Slack shows titles in a narrow list: short enough to read at a glance (the API takes 200). */
export const TITLE_MAX_CHARS = 60;

export function sessionTitle(question: string): string {
  const firstLine =
    question
      .split("\n")
      .map((line) => line.trim())
      .find((line) => line !== "") ?? "";
  const plain = firstLine
    .replace(/<[@#!][^>|]*\|([^>]+)>/g, "$1") // <#C123|general> → general
    .replace(/<[@#!][^>]*>/g, "") // <@U123> → nothing
    .replace(/<(https?:[^>|]+)\|([^>]+)>/g, "$2")
    .replace(/<(https?:[^>]+)>/g, "$1")
    .replace(/[*_`~>#]+/g, "")
    .replace(/\s+/g, " ")
    .trim();
  if (plain.length <= TITLE_MAX_CHARS) return plain;
  const cut = plain.slice(0, TITLE_MAX_CHARS - 1);
  const atWord = cut.lastIndexOf(" ");
  return `${(atWord > TITLE_MAX_CHARS / 2 ? cut.slice(0, atWord) : cut).trimEnd()}…`;
}

const titleKey = (threadKey: string) => `slack:user-title:${threadKey}`;

/** The user named the session: kept as long as the thread's history. */
export async function rememberUserTitle(
  notes: SharedNotes,
  threadKey: string,
  title: string,
  ttlSeconds: number,
): Promise<void> {
  await notes.putNote(titleKey(threadKey), title, ttlSeconds);
}

export async function userTitled(notes: SharedNotes, threadKey: string): Promise<boolean> {
  return (await notes.getNote(titleKey(threadKey))) !== undefined;
}
