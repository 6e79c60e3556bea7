// MODEL_PRICES: what the admin pays per model, per million input and output tokens, as a JSON
// object: {"gpt-4o": {"input": 2.5, "output": 10}}. The estimated cost of a turn counts its prompt
// and the search's extra tokens as input, its completion (reasoning included) as output. No price
// for a model: no cost for it (never a guess).
import { z } from "zod";

export interface ModelPrice {
  /** Per million input tokens. */
  input: number;
  /** Per million output tokens. */
  output: number;
}

export type PriceTable = Record<string, ModelPrice>;

const PRICE_TABLE = z.record(
  z.string().min(1),
  z.strictObject({ input: z.number().min(0), output: z.number().min(0) }),
);

const PRICES_EXAMPLE = '{"gpt-4o":{"input":2.5,"output":10}}';

export function parsePrices(raw: string | undefined): PriceTable | { error: string } {
  if (raw === undefined || raw.trim() === "") return {};
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return {
      error: `must be JSON: per model, the price per million input and output tokens, e.g. ${PRICES_EXAMPLE}`,
    };
  }
  const parsed = PRICE_TABLE.safeParse(json);
  if (!parsed.success) {
    return {
      error: `must map each model to {"input": <number>, "output": <number>} (per million tokens), e.g. ${PRICES_EXAMPLE}`,
    };
  }
  return parsed.data;
}

/** The estimated cost in millionths of the currency, or 0 when the model has no price. */
export function costMicros(
  prices: PriceTable,
  model: string,
  inputTokens: number,
  outputTokens: number,
): number {
  const price = prices[model];
  if (!price) return 0;
  return Math.round(inputTokens * price.input + outputTokens * price.output);
}

/** The amount in the price table's currency: two decimals, four below one unit. */
export function formatCost(micros: number): string {
  const units = micros / 1_000_000;
  return units >= 1 ? units.toFixed(2) : units.toFixed(4);
}
