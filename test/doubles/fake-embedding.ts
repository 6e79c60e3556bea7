// A deterministic stand-in for an embedding model, shared by the Azure OpenAI double (which answers
// /embeddings with it) and the Azure AI Search double (which stores document vectors made with it
// and ranks vector queries by cosine similarity). Texts sharing words get similar vectors, so a
// vector query finds the documents a person would expect.
import { createHash } from "node:crypto";

/** Dimensions of the double's vectors (text-embedding-3-small has 1,536; small keeps tests fast). */
export const FAKE_EMBEDDING_DIMENSIONS = 64;

/** Bag of lower-cased words hashed into `dimensions` buckets, normalised to length 1. */
export function fakeEmbedding(text: string, dimensions = FAKE_EMBEDDING_DIMENSIONS): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  for (const word of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
    const bucket = createHash("sha256").update(word).digest().readUInt32BE(0) % dimensions;
    vector[bucket] = (vector[bucket] ?? 0) + 1;
  }
  const length = Math.hypot(...vector);
  return length === 0 ? vector : vector.map((v) => v / length);
}

/** Cosine similarity of two vectors of the same length (both normalised: their dot product). */
export function cosineSimilarity(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    dot += x * y;
    aa += x * x;
    bb += y * y;
  }
  return aa === 0 || bb === 0 ? 0 : dot / Math.sqrt(aa * bb);
}
