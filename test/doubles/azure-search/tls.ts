// The double's own TLS identity: a fresh RSA key and self-signed certificate for 127.0.0.1 and localhost,
// made once per process. It is NOT added to Node's trust store (unlike the Bot Framework auth double's), so
// a client only trusts it when given `tlsOptions: { ca }`.
import { generateKeyPair } from "node:crypto";
import { promisify } from "node:util";
import { selfSignedCertificate } from "../botframework-auth/certificate.js";

const MODULUS_BITS = 2048;
const VALID_FOR_MS = 7 * 24 * 60 * 60 * 1000;

export interface SearchTlsIdentity {
  keyPem: string;
  certPem: string;
}

const generateRsaKeyPair = promisify(generateKeyPair);
let identity: Promise<SearchTlsIdentity> | undefined;

export function searchTlsIdentity(): Promise<SearchTlsIdentity> {
  identity ??= (async () => {
    const keys = await generateRsaKeyPair("rsa", { modulusLength: MODULUS_BITS });
    const certificate = selfSignedCertificate(keys, {
      commonName: "Azure AI Search double",
      hosts: ["127.0.0.1", "localhost"],
      validForMs: VALID_FOR_MS,
    });
    return {
      keyPem: keys.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
      certPem: certificate.pem,
    };
  })();
  return identity;
}
