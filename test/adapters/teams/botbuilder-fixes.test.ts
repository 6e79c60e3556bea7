// The two patches to botbuilder's internals (adapters/teams/botbuilder-fixes.ts) must still take
// effect on the pinned versions: if botbuilder moves what they patch, this fails with a name
// instead of Teams silently losing citations and the AI label, or retrying 429s out of sight.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createSerializer } from "botbuilder-stdlib/lib/azureCoreHttpCompat/compat.js";
import { ConnectorClient } from "botframework-connector";
import * as mappers from "botframework-connector/lib/connectorApi/models/mappers.js";
import { applyBotbuilderFixes } from "../../../adapters/teams/botbuilder-fixes.js";

const CITED = {
  type: "message",
  text: "Dogs need walks [1].",
  entities: [
    { type: "https://schema.org/Message", citation: [{ position: 1, appearance: { name: "Dog care" } }] },
  ],
};

/** What botbuilder's own serializer puts on the wire for the activity's entities. */
function serializedEntities(): unknown {
  const serializer = createSerializer(mappers as unknown as Parameters<typeof createSerializer>[0]);
  return (serializer.serialize(mappers.Activity, CITED) as { entities?: unknown }).entities;
}

/** The policy names of a Bot Connector client's HTTP pipeline. */
function policies(): string[] {
  const client = new ConnectorClient(
    { signRequest: async (request: unknown) => request } as unknown as ConstructorParameters<
      typeof ConnectorClient
    >[0],
    { baseUri: "https://smba.trafficmanager.net/teams/" },
  ) as unknown as { client: { pipeline: { getOrderedPolicies(): Array<{ name: string }> } } };
  return client.client.pipeline.getOrderedPolicies().map((p) => p.name);
}

describe("botbuilder fixes on the pinned versions", () => {
  it("without them, botbuilder drops entity properties and retries on its own (what they fix is still there)", () => {
    assert.deepEqual(serializedEntities(), [{ type: "https://schema.org/Message" }]);
    assert.ok(policies().includes("defaultRetryPolicy"), policies().join(", "));
  });

  it("with them, citations reach the wire and no client retries behind the reply's back", () => {
    applyBotbuilderFixes();
    assert.deepEqual(serializedEntities(), CITED.entities);
    const names = policies();
    assert.ok(!names.some((n) => /retry/i.test(n)), names.join(", "));
    assert.ok(names.includes("ServiceClientContext_Credentials_SignRequest"), "requests are still signed");
  });
});
