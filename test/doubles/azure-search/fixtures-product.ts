// A hand-built product catalogue index, shaped differently from the wizard's HR index: key `id`, a title-like
// `name`, TWO searchable content fields (`description`, `body`), a URL-like `link`, a file `path`, a
// retrievable `contentVector` WITHOUT a vectorizer (so only raw-vector queries work) and NO semantic
// configuration.
import { FAKE_EMBEDDING_DIMENSIONS } from "../fake-embedding.js";
import { fixtureField } from "./fixture-field.js";
import type { SearchDoubleIndex } from "./types.js";

export const PRODUCT_INDEX_NAME = "products";

function product(id: string, name: string, description: string, body: string, section: string) {
  return {
    id,
    name,
    description,
    body,
    link: `https://www.contoso.example/products/${id}`,
    path: `/catalog/${section}/${id}.md`,
  };
}

export const PRODUCT_INDEX: SearchDoubleIndex = {
  definition: {
    name: PRODUCT_INDEX_NAME,
    fields: [
      fixtureField("id", "Edm.String", { key: true, filterable: true, sortable: true }),
      fixtureField("name", "Edm.String", { searchable: true, sortable: true, analyzer: "en.lucene" }),
      fixtureField("description", "Edm.String", { searchable: true, analyzer: "en.lucene" }),
      fixtureField("body", "Edm.String", { searchable: true, analyzer: "en.lucene" }),
      fixtureField("link", "Edm.String", {}),
      fixtureField("path", "Edm.String", { filterable: true }),
      fixtureField("contentVector", "Collection(Edm.Single)", {
        searchable: true,
        dimensions: FAKE_EMBEDDING_DIMENSIONS,
        vectorSearchProfile: "products-vector-profile",
      }),
    ],
    vectorSearch: {
      algorithms: [
        {
          name: "products-hnsw",
          kind: "hnsw",
          hnswParameters: { metric: "cosine", m: 4, efConstruction: 400, efSearch: 500 },
        },
      ],
      profiles: [{ name: "products-vector-profile", algorithm: "products-hnsw" }],
    },
  },
  documents: [
    product(
      "router-x200",
      "Contoso Router X200",
      "Dual-band Wi-Fi 6 router for homes and small offices.",
      "The X200 covers up to 150 square metres. Setup takes five minutes with the Contoso Home app. The router " +
        "comes with a two-year warranty; register it within 30 days to extend the warranty to three years.",
      "networking",
    ),
    product(
      "mesh-kit-3",
      "Contoso Mesh Wi-Fi Kit (3 pack)",
      "Three mesh nodes that blanket a large house in Wi-Fi.",
      "Place the first node next to your modem and the others no more than two rooms apart. The nodes update " +
        "their firmware automatically at night. Warranty: two years.",
      "networking",
    ),
    product(
      "thermostat-t5",
      "Contoso Smart Thermostat T5",
      "Learning thermostat that saves up to 15% on heating.",
      "The T5 works with most gas and electric heating systems. It needs a 24 V common wire; an adapter is in " +
        "the box. Schedules and holiday mode are set in the Contoso Home app.",
      "smart-home",
    ),
    product(
      "dock-usb-c",
      "Contoso USB-C Dock",
      "Docking station with two HDMI ports, Ethernet and 100 W charging.",
      "Connect one USB-C cable to drive two 4K monitors, wired Ethernet and three USB-A devices while charging " +
        "your laptop. Firmware updates are installed with the Contoso Dock Updater.",
      "accessories",
    ),
    product(
      "camera-c2",
      "Contoso Outdoor Camera C2",
      "Weatherproof security camera with night vision.",
      "The C2 records 2K video and stores 30 days of clips in the cloud with a Contoso Protect plan. It runs on " +
        "a rechargeable battery that lasts about four months.",
      "smart-home",
    ),
  ],
};
