// How requests authenticate: an API key, a Microsoft Entra ID bearer token, or nothing
// (OpenAI-compatible servers such as Ollama). Secrets stay inside the returned closure or string.
// @azure/identity (about 11 MiB of memory) is loaded only when Entra ID is used.
import type { TokenCredential } from "@azure/identity";
import type { LlmEndpointConfig } from "./types.js";

export type LlmAuth =
  | { kind: "api-key"; apiKey: string }
  /** Returns a fresh (cached until near expiry by @azure/identity) access token for each request. */
  | { kind: "entra-id"; getToken: () => Promise<string> }
  | { kind: "none" };

export function resolveAuth(config: LlmEndpointConfig, credential?: TokenCredential): LlmAuth {
  if (config.apiKey) return { kind: "api-key", apiKey: config.apiKey };
  if (config.kind === "openai-compatible" && !credential) return { kind: "none" };
  let provider: Promise<() => Promise<string>> | undefined;
  const load = async () => {
    const { DefaultAzureCredential, getBearerTokenProvider } = await import("@azure/identity");
    const entra =
      credential ??
      new DefaultAzureCredential(
        config.managedIdentityClientId
          ? { managedIdentityClientId: config.managedIdentityClientId }
          : undefined,
      );
    return getBearerTokenProvider(entra, config.tokenScope);
  };
  return {
    kind: "entra-id",
    getToken: async () => {
      // A failed load is not kept: the next request tries again.
      provider ??= load().catch((err: unknown) => {
        provider = undefined;
        throw err;
      });
      return (await provider)();
    },
  };
}
