import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { aiLabelEntity } from "../../../adapters/teams/ai-message.js";
import {
  citationEntity,
  TEAMS_CITATION_ABSTRACT_MAX_CHARS,
  TEAMS_CITATION_NAME_MAX_CHARS,
  TEAMS_MAX_CITATIONS,
} from "../../../adapters/teams/citations.js";
import type { NumberedSource } from "../../../src/citations/types.js";
import { CITATIONS_MAX } from "../../doubles/teams/limits.js";

const source = (n: number, extra: Partial<NumberedSource> = {}): NumberedSource => ({
  n,
  title: `Title ${n}`,
  url: `https://contoso.blob.windows.net/container/doc${n}.pdf`,
  snippet: `Excerpt ${n}.`,
  ...extra,
});

describe("citationEntity", () => {
  it("one root Message entity: the AI label and the citations", () => {
    assert.deepEqual(citationEntity([source(1), { n: 2, title: "notes.txt", snippet: "" }]), {
      type: "https://schema.org/Message",
      "@type": "Message",
      "@context": "https://schema.org",
      "@id": "",
      additionalType: ["AIGeneratedContent"],
      citation: [
        {
          "@type": "Claim",
          position: 1,
          appearance: {
            "@type": "DigitalDocument",
            name: "Title 1",
            abstract: "Excerpt 1.",
            url: "https://contoso.blob.windows.net/container/doc1.pdf",
          },
        },
        {
          "@type": "Claim",
          position: 2,
          appearance: { "@type": "DigitalDocument", name: "notes.txt" },
        },
      ],
    });
  });

  it("without sources: the AI label alone", () => {
    assert.deepEqual(citationEntity([]), aiLabelEntity());
  });

  it("name and abstract cut to Teams' limits at a word", () => {
    const entity = citationEntity([source(1, { title: "word ".repeat(40), snippet: "text ".repeat(100) })]);
    const appearance = entity.citation?.[0]?.appearance;
    assert.ok(appearance);
    assert.ok(appearance.name.length <= TEAMS_CITATION_NAME_MAX_CHARS);
    assert.ok((appearance.abstract ?? "").length <= TEAMS_CITATION_ABSTRACT_MAX_CHARS);
    assert.match(appearance.name, /^(word )+word…$/);
    assert.match(appearance.abstract ?? "", /^(text )+text…$/);
    assert.equal(TEAMS_CITATION_NAME_MAX_CHARS, 80);
    assert.equal(TEAMS_CITATION_ABSTRACT_MAX_CHARS, 160);
  });

  it("at most 20 citations: the lowest numbers are kept", () => {
    assert.equal(TEAMS_MAX_CITATIONS, CITATIONS_MAX);
    const sources = Array.from({ length: 30 }, (_, i) => source(30 - i));
    const positions = citationEntity(sources).citation?.map((c) => c.position);
    assert.deepEqual(
      positions,
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
  });

  it("a blank title still gets a name; a url that is no link is left out", () => {
    const entity = citationEntity([source(3, { title: "  ", url: "javascript:alert(1)" })]);
    assert.deepEqual(entity.citation?.[0]?.appearance, {
      "@type": "DigitalDocument",
      name: "Source 3",
      abstract: "Excerpt 3.",
    });
  });

  it("does not change the sources it was given", () => {
    const sources = [source(2), source(1)];
    citationEntity(sources);
    assert.deepEqual(
      sources.map((s) => s.n),
      [2, 1],
    );
  });
});
