// Azure content-filter annotations: which category fired. The same shape appears on a 400 prompt
// rejection (`error.innererror.content_filter_result`) and on stream choices (`content_filter_results`):
// `{ hate: { filtered, severity }, jailbreak: { filtered, detected }, custom_blocklists: {...} | [...] }`.

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function fired(result: unknown): boolean {
  if (Array.isArray(result)) return result.some(fired); // custom_blocklists as a list of { filtered, id }
  return isRecord(result) && result.filtered === true;
}

/** The first category whose result says `filtered: true`, e.g. "violence" or "jailbreak". */
export function filteredCategory(results: unknown): string | undefined {
  if (!isRecord(results)) return undefined;
  for (const [category, result] of Object.entries(results)) {
    if (fired(result)) return category;
  }
  return undefined;
}
