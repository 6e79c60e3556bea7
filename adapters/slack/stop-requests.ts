// The Stop button's path across bot processes: the process that receives agent_session_stopped
// leaves a note in the shared store; the process answering that thread reads it before each Slack
// call. A turn clears its thread's note when it starts, so a stop never outlives its answer.
import type { Logger } from "../../src/log.js";
import type { SharedNotes } from "../../src/store/types.js";

/** Longer than any answer runs (Slack's streams end after about five minutes). */
const STOP_NOTE_TTL_S = 15 * 60;

const stopKey = (threadKey: string) => `slack:stop:${threadKey}`;

export async function requestStop(notes: SharedNotes, threadKey: string, log: Logger): Promise<void> {
  await notes.putNote(stopKey(threadKey), "stop", STOP_NOTE_TTL_S).catch((err: unknown) => {
    log.warn({ err }, "could not record the user's stop for the other bot processes");
  });
}

/** A note that cannot be read counts as no stop: the answer goes on. */
export async function isStopRequested(notes: SharedNotes, threadKey: string, log: Logger): Promise<boolean> {
  try {
    return (await notes.getNote(stopKey(threadKey))) !== undefined;
  } catch (err) {
    log.warn({ err }, "could not read whether the user stopped the answer");
    return false;
  }
}

export async function clearStop(notes: SharedNotes, threadKey: string, log: Logger): Promise<void> {
  await notes.deleteNote(stopKey(threadKey)).catch((err: unknown) => {
    log.warn({ err }, "could not clear an earlier stop of this thread");
  });
}
