// Citations from "On Your Data": what the service returns, and what a platform shows.

/** One citation as Azure OpenAI returns it in `message.context.citations` (On Your Data). */
export interface Citation {
  content: string;
  title?: string | null;
  url?: string | null;
  filepath?: string | null;
  chunk_id?: string | null;
}

/** A source as shown to users: numbered densely in order of first mention in the answer. */
export interface NumberedSource {
  /** 1-based number; the answer text marks it as `[n]`. */
  n: number;
  title: string;
  /** A link to open (url, else a file path when that is all there is). */
  url?: string;
  /** A short excerpt of the cited content. */
  snippet: string;
}
