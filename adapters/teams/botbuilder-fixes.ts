// Two adjustments to botbuilder 4.23 that the Teams adapter relies on; both are process-wide and
// applied once, here.
import type { ConnectorClientOptions } from "botframework-connector";
import * as connectorMappers from "botframework-connector/lib/connectorApi/models/mappers.js";

/**
 * botbuilder serializes `entities` with a mapper that keeps only type/text/mentioned, which drops
 * the streaminfo fields, the AI label and citations on the way to Teams. The Activity schema
 * means entities to carry any properties; letting the mapper pass them restores that.
 */
export function keepEntityProperties(): void {
  const entity = connectorMappers.Entity.type as { additionalProperties?: unknown };
  entity.additionalProperties = { type: { name: "Object" } };
}

/**
 * botbuilder's HTTP pipeline retries 429s and 5xx by itself, hiding them from the reply's pacing (a
 * throttled stream update would land seconds late, unannounced). ReplyStream decides instead.
 */
export const CONNECTOR_CLIENT_OPTIONS = { retryOptions: { maxRetries: 0 } } as ConnectorClientOptions;
