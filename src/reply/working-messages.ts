// What a working status says while a grounded answer is being prepared: the same words on Slack
// (the status's rotating loading_messages) and Teams (the informative update's text).
import { clipText } from "./split.js";
import type { WorkDescription } from "./types.js";

/** Slack takes 1 to 10 loading messages of at most 50 characters each. */
const MAX_CHARS = 50;

/** The steps in order, or undefined for a plain answer (the sinks keep their own "thinking"). */
export function workingMessages(work: WorkDescription | undefined): string[] | undefined {
  if (!work?.dataSource) return undefined;
  const searching = `Searching ${work.dataSource}…`;
  return [
    clipText(searching, MAX_CHARS),
    work.sourcesFound === undefined
      ? "Reading the sources…"
      : `Reading ${work.sourcesFound} source${work.sourcesFound === 1 ? "" : "s"}…`,
    "Writing…",
  ];
}
