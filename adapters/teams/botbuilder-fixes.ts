// Two adjustments to botbuilder 4.23.3 that the Teams adapter relies on; both are process-wide and
// applied once, here. They reach into botbuilder's internals (deep imports), so package.json pins
// exactly the versions they were written for (botbuilder, botbuilder-stdlib, botframework-connector,
// botframework-schema 4.23.3), and each throws at start, naming what moved, if those internals
// change; test/adapters/teams/botbuilder-fixes.test.ts checks both still take effect.

import { ServiceClientContext } from "botbuilder-stdlib/lib/azureCoreHttpCompat/serviceClientContext.js";
import * as connectorMappers from "botframework-connector/lib/connectorApi/models/mappers.js";

/** Retry policies of @azure/core-rest-pipeline that botbuilder's clients get by default. */
const RETRY_POLICY_NAMES = [
  "defaultRetryPolicy",
  "retryPolicy",
  "exponentialRetryPolicy",
  "throttlingRetryPolicy",
  "systemErrorRetryPolicy",
];
let applied = false;

export function applyBotbuilderFixes(): void {
  if (applied) return;
  applied = true;
  keepEntityProperties();
  noHiddenRetries();
}

/**
 * botbuilder serializes `entities` with a mapper that keeps only type/text/mentioned, which drops
 * the streaminfo fields, the AI label and citations on the way to Teams. The Activity schema
 * means entities to carry any properties; letting the mapper pass them restores that.
 */
function keepEntityProperties(): void {
  const entity = connectorMappers.Entity?.type as { className?: string; additionalProperties?: unknown };
  if (entity?.className !== "Entity") {
    throw new Error(
      "botbuilder internals changed: connectorApi/models/mappers Entity is gone (botbuilder-fixes.ts)",
    );
  }
  entity.additionalProperties = { type: { name: "Object" } };
}

/**
 * botbuilder's HTTP clients retry 429s (after Retry-After) and 5xx on their own, out of sight of
 * the reply's pacing: a throttled stream update would land seconds later with stale text, and the
 * shared rate budget would never hear of the 429. Its options do not reach the pipeline, so the
 * retry policies are taken out where each client is built; ReplyStream decides about retries.
 */
function noHiddenRetries(): void {
  type Pipeline = { removePolicy(options: { name: string }): unknown };
  // addPolicies is private in botbuilder-stdlib's types: patching it is the one cast this needs.
  const proto = ServiceClientContext.prototype as unknown as {
    addPolicies(client: { pipeline: Pipeline }, policies: unknown): unknown;
  };
  const addPolicies = proto.addPolicies;
  if (typeof addPolicies !== "function") {
    throw new Error(
      "botbuilder internals changed: ServiceClientContext.addPolicies is gone (botbuilder-fixes.ts)",
    );
  }
  proto.addPolicies = function (this: unknown, client, policies) {
    for (const name of RETRY_POLICY_NAMES) client.pipeline.removePolicy({ name });
    return addPolicies.call(this, client, policies);
  };
}
