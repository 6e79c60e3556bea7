// The prompt side of a grounded answer: the instruction, the numbered sources, and the citations
// the answer's [n] markers refer to. Pure.
import type { Citation } from "../citations/types.js";
import type { Grounding } from "../engine/token-budget.js";
import type { Passage } from "./types.js";

export interface GroundingOptions {
  /** The data source's name, as users know it. */
  sourceName: string;
  /** Answer only from the sources (On Your Data's in_scope), or allow general knowledge beside them. */
  inScope: boolean;
}

const CITE =
  "Cite every statement taken from a source with its number in square brackets right after it, like [1] or [2][3]. Use only the numbers below, and do not add a list of sources at the end.";

export function groundingFor(passages: readonly Passage[], options: GroundingOptions): Grounding {
  const name = `"${options.sourceName}"`;
  const found =
    passages.length === 0
      ? `A search of ${name} found nothing for this question.`
      : `Here are the passages a search of ${name} found for this question, best first.`;
  const rule = options.inScope
    ? `Answer only from these sources. ${CITE} If they do not hold the answer, say that you could not find it in ${name}, and do not answer from general knowledge.`
    : `Use these sources where they help. ${CITE} Where they do not cover the question you may answer from general knowledge, and say that this part is not from ${name}.`;
  return {
    instruction: `${found} ${rule}`,
    passages: passages.map((passage, i) => ({ heading: heading(passage, i + 1), content: passage.content })),
  };
}

/**
 * The prompt side of a question about a conversation: its messages, newest first, to summarize or
 * answer from, cited like passages so the answer links to them.
 */
export function conversationGroundingFor(about: { name: string; passages: readonly Passage[] }): Grounding {
  const found =
    about.passages.length === 0
      ? `The user is looking at ${about.name}, which has no messages yet.`
      : `The user is looking at ${about.name}. Here are its latest messages, newest first, each with its author's id and time.`;
  return {
    instruction: `${found} Answer the user's question about it (a summary when they ask for one) from these messages only. ${CITE}`,
    passages: about.passages.map((passage, i) => ({
      heading: heading(passage, i + 1),
      content: passage.content,
    })),
  };
}

/** `[1] Vacation policy (hr/vacation.pdf)`: the number the model cites, and what the source is. */
function heading(passage: Passage, n: number): string {
  const title = passage.title ?? passage.filepath ?? passage.url ?? `Source ${n}`;
  const path = passage.title && passage.filepath ? ` (${passage.filepath})` : "";
  return `[${n}] ${title}${path}`;
}

/** The citations of the passages that went into the prompt: [n] is citations[n - 1]. */
export function citationsOf(passages: readonly Passage[]): Citation[] {
  return passages.map((p) => ({
    content: p.caption ?? p.content,
    title: p.title ?? null,
    url: p.url ?? null,
    filepath: p.filepath ?? null,
    chunk_id: p.chunkId ?? null,
  }));
}
