// The spec's object schemas, read from the published file, to find the fields of a request the spec
// does not define (the service refuses those). Empty without the specs folder.
import { readFileSync } from "node:fs";
import { specFile, specsAvailable } from "../specs-dir.js";
import { asArray, isRecord } from "./util.js";

export type SpecNode = Record<string, unknown>;
let specSchemas: Record<string, SpecNode> | undefined;

/** Empty without the specs folder: no field is then taken for one the spec lacks. */
export function schemas(): Record<string, SpecNode> {
  if (!specSchemas && !specsAvailable()) specSchemas = {};
  if (!specSchemas) {
    const file = specFile("azure-openai", "2024-10-21", "inference.json");
    const document = JSON.parse(readFileSync(file, "utf8")) as {
      components: { schemas: Record<string, SpecNode> };
    };
    specSchemas = document.components.schemas;
  }
  return specSchemas;
}

export function deref(node: unknown): SpecNode | undefined {
  if (!isRecord(node)) return undefined;
  const ref = typeof node.$ref === "string" ? node.$ref.split("/").at(-1) : undefined;
  return ref ? deref(schemas()[ref]) : node;
}

/** Properties of an object schema, allOf parts merged. */
export function specProperties(nameOrNode: string | unknown): Map<string, unknown> {
  const node = deref(typeof nameOrNode === "string" ? schemas()[nameOrNode] : nameOrNode);
  const out = new Map<string, unknown>();
  for (const part of [node, ...asArray(node?.allOf).map(deref)]) {
    if (part && isRecord(part.properties))
      for (const [k, v] of Object.entries(part.properties)) out.set(k, v);
  }
  return out;
}

/** Paths (a/b/c; a tagged union's tag included, as pydantic names them) of fields the spec lacks. */
export function extraFields(value: Record<string, unknown>, schema: unknown): string[] {
  const node = deref(schema);
  if (!node) return [];
  const options = asArray(node.oneOf).map(deref);
  if (options.length > 0) {
    const chosen = options.find((o) => o?.["x-ms-discriminator-value"] === value.type);
    return chosen ? extraFields(value, chosen).map((p) => `${String(value.type)}/${p}`) : [];
  }
  const properties = specProperties(node);
  const out: string[] = [];
  for (const [key, child] of Object.entries(value)) {
    if (!properties.has(key)) out.push(key);
    else if (isRecord(child)) out.push(...extraFields(child, properties.get(key)).map((p) => `${key}/${p}`));
  }
  return out;
}
