// Word handling shared by keyword scoring, the semantic ranker stand-in, captions and answers. Words are
// lower-cased runs of letters and digits (the same rule fakeEmbedding uses).

export function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

// Question words and fillers the semantic ranker stand-in ignores when it measures how much of a question
// a passage covers ("How many vacation days do I get?" is about "vacation" and "days").
const STOPWORDS = new Set(
  (
    "a an and are as at be but by can could did do does for from get gets got had has have how i if in into " +
    "is it its me my of on or our should so than that the their them then there these they this to too us " +
    "was we were what when where which who why will with would you your about many much any"
  ).split(" "),
);

/** Distinct words of a query that carry meaning. */
export function contentTerms(query: string): string[] {
  return [...new Set(words(query).filter((word) => !STOPWORDS.has(word)))];
}

/** How many times each term occurs in `text`, summed. */
export function termHits(text: string, terms: readonly string[]): number {
  const counts = new Map<string, number>();
  for (const word of words(text)) counts.set(word, (counts.get(word) ?? 0) + 1);
  return terms.reduce((sum, term) => sum + (counts.get(term) ?? 0), 0);
}

/** Share (0..1) of `terms` that occur in `text`. */
export function coverage(text: string, terms: readonly string[]): number {
  if (terms.length === 0) return 0;
  const present = new Set(words(text));
  return terms.filter((term) => present.has(term)).length / terms.length;
}

/** Sentences of a passage (split after . ! ? followed by white space). */
export function sentences(text: string): string[] {
  return text
    .split(/(?<=[.!?])\s+/u)
    .map((sentence) => sentence.trim())
    .filter((sentence) => sentence.length > 0);
}

/** Wraps every occurrence of a term in pre/post tags, as hit highlighting does. */
export function highlight(text: string, terms: readonly string[], pre = "<em>", post = "</em>"): string {
  if (terms.length === 0) return text;
  const wanted = new Set(terms);
  return text.replace(/[\p{L}\p{N}]+/gu, (word) =>
    wanted.has(word.toLowerCase()) ? `${pre}${word}${post}` : word,
  );
}

/** The sentence of `text` that covers most of `terms` (the first one on a tie or when none matches). */
export function bestSentence(text: string, terms: readonly string[]): string {
  let best = "";
  let bestScore = -1;
  for (const sentence of sentences(text)) {
    const score = coverage(sentence, terms);
    if (score > bestScore) {
      best = sentence;
      bestScore = score;
    }
  }
  return best;
}
