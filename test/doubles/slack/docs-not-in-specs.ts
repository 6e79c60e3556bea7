// Method docs the shared specs folder does not carry, for the methods the double models besides
// those: written from Slack's published docs as slack-ruby/slack-api-ref stores them
// (docs.slack.dev/methods/conversations.history.json @ 0ae4e98, conversations.members.json @ 0e98f2e).
// Only what the checks use: arguments and their types, the required ones, scopes, tier, errors.

interface ExtraDoc {
  json_input_supported?: boolean;
  rate_limits: string;
  scope: { bot: string[] };
  args: { required: string[]; properties: Record<string, Record<string, unknown>> };
  output: Record<string, unknown>;
  errors: Record<string, { desc: string }>;
}

const cursor = { type: "string" };
const timestamp = { type: "string", subtype: "timestamp" };

export const DOCS_NOT_IN_SPECS: Record<string, ExtraDoc> = {
  "conversations.history": {
    json_input_supported: true,
    rate_limits: "t3",
    scope: { bot: ["groups:history", "im:history", "mpim:history", "channels:history"] },
    args: {
      required: ["token", "channel"],
      properties: {
        token: { type: "string" },
        channel: { type: "string", subtype: "channel" },
        cursor,
        include_all_metadata: { type: "boolean" },
        inclusive: { type: "boolean" },
        latest: timestamp,
        // "Maximum of 999."
        limit: { type: "number" },
        oldest: timestamp,
      },
    },
    output: {
      type: "object",
      required: ["messages", "has_more", "channel_actions_ts", "channel_actions_count"],
      properties: {
        messages: { type: "array", items: { schema: "message" } },
        has_more: { type: "boolean" },
        pin_count: { type: "integer" },
        channel_actions_count: { type: "integer" },
      },
    },
    errors: {
      channel_not_found: { desc: "Value passed for `channel` was invalid." },
      invalid_cursor: { desc: "Value passed for `cursor` was not valid or is no longer valid." },
      not_in_channel: { desc: "The token used does not have access to the proper channel." },
      restricted_action: { desc: "User does not have permission to perform this action." },
    },
  },
  "conversations.members": {
    rate_limits: "t4",
    // The docs name the granular `conversations:read`; bot tokens hold the classic read scopes.
    scope: { bot: ["channels:read", "groups:read", "im:read", "mpim:read"] },
    args: {
      required: ["token", "channel"],
      properties: {
        token: { type: "string" },
        channel: { type: "string", subtype: "channel" },
        cursor,
        limit: { type: "number" },
      },
    },
    output: {
      type: "object",
      required: ["members"],
      properties: { members: { type: "array", items: { schema: "user_id" } } },
    },
    errors: {
      channel_not_found: { desc: "Value passed for `channel` was invalid." },
      fetch_members_failed: { desc: "Failed to fetch members for the conversation." },
      invalid_cursor: { desc: "Value passed for `cursor` was invalid." },
      method_not_supported_for_channel_type: {
        desc: "This type of conversation cannot be used with this method.",
      },
    },
  },
};
