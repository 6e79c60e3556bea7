// RS256 JSON Web Tokens and JWKs with node:crypto alone, so the double and tests do not lean on
// the jsonwebtoken copy botframework-connector happens to install.
import { createPublicKey, generateKeyPair, type KeyObject, sign, verify } from "node:crypto";
import { promisify } from "node:util";
import { selfSignedCertificate } from "./certificate.js";

const RSA_MODULUS_BITS = 2048;
// The signing certificate only carries the key in `x5c`; nothing checks its dates.
const SIGNING_CERT_VALIDITY_MS = 365 * 24 * 60 * 60 * 1000;

export type JwtClaims = Record<string, unknown>;

export interface JwtHeader {
  alg: string;
  typ?: string;
  kid?: string;
  x5t?: string;
  [extra: string]: unknown;
}

/** A published JWKS entry (RFC 7517) plus the Bot Framework `endorsements` extension. */
export interface Jwk {
  kty: "RSA";
  use: "sig";
  kid: string;
  x5t: string;
  n: string;
  e: string;
  x5c: string[];
  endorsements?: string[];
  issuer?: string;
}

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** The JWKS entry for the public half (without endorsements). */
  jwk: Jwk;
}

const generateRsaKeyPair = promisify(generateKeyPair);

export async function createSigningKey(commonName: string): Promise<SigningKey> {
  const { publicKey, privateKey } = await generateRsaKeyPair("rsa", { modulusLength: RSA_MODULUS_BITS });
  const certificate = selfSignedCertificate(
    { publicKey, privateKey },
    { commonName, validForMs: SIGNING_CERT_VALIDITY_MS },
  );
  const exported = publicKey.export({ format: "jwk" });
  if (typeof exported.n !== "string" || typeof exported.e !== "string") throw new Error("not an RSA key");
  // Like Entra ID and Bot Framework, the key id is the certificate thumbprint.
  const kid = certificate.x5t;
  return {
    kid,
    privateKey,
    publicKey,
    jwk: {
      kty: "RSA",
      use: "sig",
      kid,
      x5t: certificate.x5t,
      n: exported.n,
      e: exported.e,
      x5c: [certificate.der.toString("base64")],
    },
  };
}

function base64UrlJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

export function signJwt(
  claims: JwtClaims,
  key: SigningKey,
  headerOverrides: Partial<JwtHeader> = {},
): string {
  const header: JwtHeader = { alg: "RS256", kid: key.kid, x5t: key.kid, typ: "JWT", ...headerOverrides };
  const signingInput = `${base64UrlJson(header)}.${base64UrlJson(claims)}`;
  const signature = sign("sha256", Buffer.from(signingInput), key.privateKey);
  return `${signingInput}.${signature.toString("base64url")}`;
}

export interface DecodedJwt {
  header: JwtHeader;
  claims: JwtClaims;
  signingInput: string;
  signature: Buffer;
}

/** Splits a compact JWT without checking anything; undefined when it is not one. */
export function decodeJwt(token: string): DecodedJwt | undefined {
  const parts = token.split(".");
  if (parts.length !== 3) return undefined;
  const [header, claims, signature] = parts as [string, string, string];
  try {
    return {
      header: JSON.parse(Buffer.from(header, "base64url").toString("utf8")) as JwtHeader,
      claims: JSON.parse(Buffer.from(claims, "base64url").toString("utf8")) as JwtClaims,
      signingInput: `${header}.${claims}`,
      signature: Buffer.from(signature, "base64url"),
    };
  } catch {
    return undefined;
  }
}

/** True when an RS256 token's signature matches the JWK (dates and claims are the caller's to check). */
export function verifyJwtSignature(token: string, jwk: Pick<Jwk, "kty" | "n" | "e">): boolean {
  const decoded = decodeJwt(token);
  if (decoded?.header.alg !== "RS256") return false;
  const publicKey = createPublicKey({ key: { kty: jwk.kty, n: jwk.n, e: jwk.e }, format: "jwk" });
  return verify("sha256", Buffer.from(decoded.signingInput), publicKey, decoded.signature);
}
