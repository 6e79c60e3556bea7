// A command's report (`usage`) as an Adaptive Card: each "**Heading**" line a bold TextBlock, each
// run of "• label: value" lines a FactSet, anything else a wrapped TextBlock. Pure.
import type { Attachment } from "botbuilder";

const HEADING = /^\*\*(.+?)\*\*(.*)$/;
const FACT = /^•\s+(.+?):\s+(.+)$/;

export function reportCardMessage(markdown: string): { type: "message"; attachments: Attachment[] } {
  return { type: "message", attachments: [reportCard(markdown)] };
}

function reportCard(markdown: string): Attachment {
  const body: Array<Record<string, unknown>> = [];
  let facts: Array<{ title: string; value: string }> | undefined;
  for (const line of markdown.split("\n")) {
    const fact = FACT.exec(line);
    if (fact) {
      if (!facts) {
        facts = [];
        body.push({ type: "FactSet", facts });
      }
      facts.push({ title: plain(fact[1] ?? ""), value: plain(fact[2] ?? "") });
      continue;
    }
    facts = undefined;
    if (line.trim() === "") continue;
    const heading = HEADING.exec(line);
    if (heading) {
      body.push({
        type: "TextBlock",
        text: `${heading[1]}${plain(heading[2] ?? "")}`,
        weight: "Bolder",
        wrap: true,
        spacing: "Medium",
      });
    } else {
      body.push({ type: "TextBlock", text: plain(line), wrap: true, isSubtle: line.startsWith("_") });
    }
  }
  return {
    contentType: "application/vnd.microsoft.card.adaptive",
    content: {
      type: "AdaptiveCard",
      $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
      version: "1.5",
      body,
    },
  };
}

/** Cards show Markdown only in TextBlocks, and FactSets not at all: plain text there. */
function plain(text: string): string {
  return text.replace(/\*\*|`/g, "").replace(/^_(.*)_$/, "$1");
}
