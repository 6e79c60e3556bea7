// Process-wide hooks a running double needs so that botbuilder's outbound token path (MSAL) works
// offline. Both exist because of how MSAL behaves, not by choice:
//
// 1. MSAL refuses an authority that is not https ("authority_uri_insecure"), so the double also
//    listens with TLS, and its self-signed certificate is added to Node's default trust store
//    (tls.setDefaultCACertificates, Node >= 22.19 / 24.5).
// 2. botbuilder builds its ConfidentialClientApplication with nothing but {authority, clientId,
//    clientSecret}, so MSAL sends its instance-discovery request for any non-Microsoft authority to
//    the hard-coded https://login.microsoftonline.com/common/discovery/instance, whatever the login
//    URL (`ValidateAuthority` never reaches MSAL). Connections that https.globalAgent opens to
//    login.microsoftonline.com:443 are therefore sent to a live double instead, which answers that
//    one request for the double's own authority; without it the request fails offline and MSAL
//    throws "untrusted_authority".
//
// Both are reference-counted: installed by the first double, removed when the last one closes.
import { generateKeyPair } from "node:crypto";
import https from "node:https";
import type { Duplex } from "node:stream";
import tls from "node:tls";
import { promisify } from "node:util";
import { selfSignedCertificate } from "./certificate.js";

export const AAD_LOGIN_HOST = "login.microsoftonline.com";
const HTTPS_DEFAULT_PORT = 443;
const LOOPBACK = "127.0.0.1";
const TLS_MODULUS_BITS = 2048;
// Long enough for any test process; the certificate is made fresh in every process.
const TLS_CERT_VALIDITY_MS = 7 * 24 * 60 * 60 * 1000;

export interface TlsIdentity {
  keyPem: string;
  certPem: string;
}

const generateRsaKeyPair = promisify(generateKeyPair);
let tlsIdentity: Promise<TlsIdentity> | undefined;

/** One key and certificate per process, valid for the loopback address and the Entra login host. */
export function doubleTlsIdentity(): Promise<TlsIdentity> {
  tlsIdentity ??= (async () => {
    const keys = await generateRsaKeyPair("rsa", { modulusLength: TLS_MODULUS_BITS });
    const certificate = selfSignedCertificate(keys, {
      commonName: "Bot Framework auth double",
      hosts: [LOOPBACK, "localhost", AAD_LOGIN_HOST],
      validForMs: TLS_CERT_VALIDITY_MS,
    });
    return {
      keyPem: keys.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
      certPem: certificate.pem,
    };
  })();
  return tlsIdentity;
}

type CreateConnection = (
  options: https.RequestOptions,
  callback?: (err: Error | null, stream: Duplex) => void,
) => Duplex | null | undefined;

interface InstalledHooks {
  previousCaCertificates: string[];
  hadOwnCreateConnection: boolean;
  previousCreateConnection: CreateConnection;
}

// HTTPS ports of the live doubles; the oldest one answers redirected login requests.
const redirectPorts: number[] = [];
let installed: InstalledHooks | undefined;

function install(certPem: string): InstalledHooks {
  if (typeof tls.setDefaultCACertificates !== "function") {
    throw new Error("The Bot Framework auth double needs tls.setDefaultCACertificates (Node >= 22.19)");
  }
  const agent = https.globalAgent;
  const previousCaCertificates = tls.getCACertificates("default");
  tls.setDefaultCACertificates([...previousCaCertificates, certPem]);
  const hadOwnCreateConnection = Object.hasOwn(agent, "createConnection");
  const previousCreateConnection = agent.createConnection;
  agent.createConnection = function redirectLogin(this: https.Agent, options, callback) {
    const port = Number(options.port ?? HTTPS_DEFAULT_PORT);
    const target = redirectPorts[0];
    if (options.host === AAD_LOGIN_HOST && port === HTTPS_DEFAULT_PORT && target !== undefined) {
      // Keep the servername: the certificate is checked against the real host name.
      const redirected = { ...options, host: LOOPBACK, port: target, servername: AAD_LOGIN_HOST };
      return previousCreateConnection.call(this, redirected, callback);
    }
    return previousCreateConnection.call(this, options, callback);
  };
  return { previousCaCertificates, hadOwnCreateConnection, previousCreateConnection };
}

function uninstall(hooks: InstalledHooks): void {
  tls.setDefaultCACertificates(hooks.previousCaCertificates);
  const agent = https.globalAgent;
  if (hooks.hadOwnCreateConnection) agent.createConnection = hooks.previousCreateConnection;
  else Reflect.deleteProperty(agent, "createConnection");
}

/** Registers a double's HTTPS port; the returned function unregisters it (idempotent). */
export function acquireProcessHooks(httpsPort: number, certPem: string): () => void {
  installed ??= install(certPem);
  redirectPorts.push(httpsPort);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    redirectPorts.splice(redirectPorts.indexOf(httpsPort), 1);
    if (redirectPorts.length === 0 && installed) {
      uninstall(installed);
      installed = undefined;
    }
  };
}
