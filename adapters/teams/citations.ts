// Citations on a Teams answer: the one root schema.org Message entity that carries both the AI
// label and the citation list, so a message never has two root Message entities (Teams refuses
// that with 400 "Multiple root message entities found under entities array").
// Reference: learn.microsoft.com/microsoftteams/platform/bots/how-to/bot-messages-ai-generated-content
import type { Entity } from "botframework-schema";
import { linkUrl, truncateAtWord } from "../../src/citations/sources.js";
import type { NumberedSource } from "../../src/citations/types.js";
import { aiLabelEntity } from "./ai-message.js";

/** "A maximum of 20 citations are displayed in a message"; more is refused with 400 (same reference). */
export const TEAMS_MAX_CITATIONS = 20;
/** `citation.appearance.name`: "Title of the referenced content. Maximum characters: 80" (same reference). */
export const TEAMS_CITATION_NAME_MAX_CHARS = 80;
/**
 * `citation.appearance.abstract`: "Maximum characters: 160" (same reference). The teams-ai library
 * cut abstracts at 477-500 characters; the documented limit is the one we keep.
 */
export const TEAMS_CITATION_ABSTRACT_MAX_CHARS = 160;

/** One in-text citation: `position` n matches the `[n]` marker in the message text. */
export interface TeamsCitation {
  "@type": "Claim";
  position: number;
  appearance: {
    "@type": "DigitalDocument";
    /** Shown as the citation's title (required). */
    name: string;
    /** Shown in the citation pop-up. */
    abstract?: string;
    /** The hyperlink on the title. */
    url?: string;
  };
}

export interface TeamsMessageEntity extends Entity {
  type: "https://schema.org/Message";
  "@type": "Message";
  "@context": "https://schema.org";
  "@id"?: string;
  additionalType: string[];
  citation?: TeamsCitation[];
}

/**
 * The root Message entity for an answer: the AI label, and a citation for each source. Sources
 * past the 20th (by number: the ones the answer mentions last) are dropped, since Teams refuses a
 * message with more; their [n] markers stay in the text as plain numbers. Without sources, the
 * AI label alone.
 */
export function citationEntity(sources: readonly NumberedSource[]): TeamsMessageEntity {
  const citation = [...sources]
    .sort((a, b) => a.n - b.n)
    .slice(0, TEAMS_MAX_CITATIONS)
    .map(toCitation);
  const entity = aiLabelEntity() as TeamsMessageEntity;
  return citation.length === 0 ? entity : { ...entity, citation };
}

function toCitation(source: NumberedSource): TeamsCitation {
  // The name is required: Teams refuses a citation whose appearance is empty.
  const name = truncateAtWord(source.title.trim(), TEAMS_CITATION_NAME_MAX_CHARS) || `Source ${source.n}`;
  const abstract = truncateAtWord(source.snippet.trim(), TEAMS_CITATION_ABSTRACT_MAX_CHARS);
  const url = linkUrl(source.url);
  return {
    "@type": "Claim",
    position: source.n,
    appearance: {
      "@type": "DigitalDocument",
      name,
      ...(abstract === "" ? {} : { abstract }),
      ...(url === undefined ? {} : { url }),
    },
  };
}
