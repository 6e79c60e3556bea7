// What marks a Teams message as an AI answer: the schema.org Message entity with the
// AIGeneratedContent label (citations join it in the "On Your Data" feature), and the feedback loop.

import type { Entity } from "botframework-schema";

export function aiLabelEntity(): Entity {
  return {
    type: "https://schema.org/Message",
    "@type": "Message",
    "@context": "https://schema.org",
    "@id": "",
    additionalType: ["AIGeneratedContent"],
  };
}

/** channelData that shows Teams' thumbs up/down under a message; clicks arrive as message/submitAction. */
export const FEEDBACK_CHANNEL_DATA = { feedbackLoopEnabled: true } as const;
