// An index shaped like the one the Azure portal's "Import and vectorize data" wizard creates over a blob
// container: chunk_id (key, keyword analyzer), parent_id (the indexer's base64 of the blob URL), chunk (the
// text), title (the blob's file name), text_vector (with an Azure OpenAI vectorizer), and a semantic
// configuration with title + chunk. There is no URL field: the wizard does not create one.
import { FAKE_EMBEDDING_DIMENSIONS } from "../fake-embedding.js";
import { fixtureField } from "./fixture-field.js";
import type { SearchDoubleIndex, SearchDoubleKnowledgeBase } from "./types.js";

export const HR_INDEX_NAME = "hr-index";
const CONTAINER = "https://contosohr.blob.core.windows.net/hr-docs/";

/** The indexer's base64Encode of metadata_storage_path (URL-safe, trailing digit = padding count). */
function parentId(file: string): string {
  const base64 = Buffer.from(CONTAINER + file).toString("base64");
  const padding = base64.length - base64.replace(/=+$/, "").length;
  return base64.replace(/=+$/, "").replaceAll("+", "-").replaceAll("/", "_") + String(padding);
}

function chunk(hash: string, file: string, page: number, text: string): Record<string, unknown> {
  const parent = parentId(file);
  return { chunk_id: `${hash}_${parent}_pages_${page}`, parent_id: parent, chunk: text, title: file };
}

export const HR_INDEX: SearchDoubleIndex = {
  definition: {
    name: HR_INDEX_NAME,
    fields: [
      fixtureField("chunk_id", "Edm.String", {
        key: true,
        searchable: true,
        sortable: true,
        analyzer: "keyword",
      }),
      fixtureField("parent_id", "Edm.String", { filterable: true }),
      fixtureField("chunk", "Edm.String", { searchable: true }),
      fixtureField("title", "Edm.String", { searchable: true, filterable: true }),
      fixtureField("text_vector", "Collection(Edm.Single)", {
        searchable: true,
        retrievable: false,
        dimensions: FAKE_EMBEDDING_DIMENSIONS,
        vectorSearchProfile: "hr-index-azureOpenAi-text-profile",
      }),
    ],
    scoringProfiles: [],
    suggesters: [],
    analyzers: [],
    normalizers: [],
    tokenizers: [],
    tokenFilters: [],
    charFilters: [],
    similarity: { "@odata.type": "#Microsoft.Azure.Search.BM25Similarity" },
    semantic: {
      defaultConfiguration: "hr-semantic",
      configurations: [
        {
          name: "hr-semantic",
          prioritizedFields: {
            titleField: { fieldName: "title" },
            prioritizedContentFields: [{ fieldName: "chunk" }],
            prioritizedKeywordsFields: [],
          },
        },
      ],
    },
    vectorSearch: {
      algorithms: [
        {
          name: "hr-index-algorithm",
          kind: "hnsw",
          hnswParameters: { metric: "cosine", m: 4, efConstruction: 400, efSearch: 500 },
        },
      ],
      profiles: [
        {
          name: "hr-index-azureOpenAi-text-profile",
          algorithm: "hr-index-algorithm",
          vectorizer: "hr-index-azureOpenAi-text-vectorizer",
        },
      ],
      vectorizers: [
        {
          name: "hr-index-azureOpenAi-text-vectorizer",
          kind: "azureOpenAI",
          azureOpenAIParameters: {
            resourceUri: "https://contoso-openai.openai.azure.com",
            deploymentId: "text-embedding-3-small",
            modelName: "text-embedding-3-small",
          },
        },
      ],
      compressions: [],
    },
  },
  documents: [
    chunk(
      "3f1c9a0b7e2d",
      "Employee-Handbook-2025.pdf",
      0,
      "Vacation days. Full-time employees receive 25 paid vacation days per calendar year, plus public holidays. " +
        "Part-time employees receive vacation days in proportion to their contracted hours. Up to 5 unused vacation " +
        "days can be carried over to the next year and must be taken by 31 March.",
    ),
    chunk(
      "8b24e6d1c0f7",
      "Employee-Handbook-2025.pdf",
      1,
      "Sick leave. Employees who are ill must inform their manager before 9:00 on the first day of absence. A " +
        "doctor's certificate is required from the fourth consecutive day of sick leave. Sick days do not reduce " +
        "your vacation days.",
    ),
    chunk(
      "a7d05c3e91b2",
      "Contractor-Guidelines.pdf",
      0,
      "Contractors and vacation. External contractors are not employees and do not receive paid vacation days " +
        "from Contoso. Contractors agree time off with their agency and must tell their Contoso project lead at " +
        "least two weeks in advance. Contractor hours not worked are not invoiced.",
    ),
    chunk(
      "c5e8f2a4d6b1",
      "Parental-Leave-Policy.pdf",
      0,
      "Parental leave. Every parent employed by Contoso for at least six months is entitled to 16 weeks of paid " +
        "parental leave after the birth or adoption of a child. The leave can be split into at most three blocks " +
        "within the child's first year. Request parental leave in the HR portal at least eight weeks before it starts.",
    ),
    chunk(
      "e9b3d7f0a2c4",
      "Travel-and-Expense-Policy.pdf",
      0,
      "Expense reports. Submit expenses in the finance portal within 30 days of the purchase. Attach a receipt " +
        "for every expense over 25 EUR. Meals during business travel are reimbursed up to 60 EUR per day; " +
        "alcohol is never reimbursed. Your manager approves expense reports within five working days.",
    ),
    chunk(
      "1d6a8c2f4e0b",
      "Remote-Work-Policy.docx",
      0,
      "Remote work. Employees may work from home up to three days per week after agreeing a schedule with their " +
        "manager. Contoso pays a one-time home office allowance of 300 EUR for a desk chair and monitor. Working " +
        "remotely from another country requires approval from HR because of tax and insurance rules.",
    ),
  ],
};

export const HR_KNOWLEDGE_BASE: SearchDoubleKnowledgeBase = {
  name: "hr-kb",
  knowledgeSourceName: "hr-knowledge-source",
  index: HR_INDEX_NAME,
};
