// The IncomingMessage the engine tests send: a console conversation "C" of tenant "T", numbered ids.
import type { IncomingMessage } from "../../src/engine/types.js";
import { encodeThreadKey } from "../../src/store/keys.js";

let n = 0;

export function consoleMessage(
  text: string,
  thread = "t1",
  extra: Partial<IncomingMessage> = {},
): IncomingMessage {
  return {
    id: `m${++n}`,
    platform: "console",
    threadKey: encodeThreadKey({ platform: "console", tenant: "T", channel: "C", thread }),
    conversationScope: "console:T:C",
    workspaceScope: "console:T",
    userId: "U1",
    text,
    rights: async () => ({ conversation: true, workspace: false }),
    ...extra,
  };
}
