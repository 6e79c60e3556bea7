// A self-signed X.509 v3 certificate built by hand with node:crypto (Node can parse certificates
// but not create them, and the double may not add packages). Just enough DER for TLS servers and
// for the `x5c` entries of a JWKS.
import { createHash, type KeyObject, sign, X509Certificate } from "node:crypto";
import { isIP } from "node:net";

// DER tags (X.690).
const TAG_INTEGER = 0x02;
const TAG_BIT_STRING = 0x03;
const TAG_OCTET_STRING = 0x04;
const TAG_NULL = 0x05;
const TAG_OID = 0x06;
const TAG_UTF8_STRING = 0x0c;
const TAG_UTC_TIME = 0x17;
const TAG_SEQUENCE = 0x30;
const TAG_SET = 0x31;
const TAG_EXPLICIT_0 = 0xa0;
const TAG_EXPLICIT_3 = 0xa3;
const TAG_SAN_DNS = 0x82; // GeneralName dNSName [2] IMPLICIT IA5String
const TAG_SAN_IP = 0x87; // GeneralName iPAddress [7] IMPLICIT OCTET STRING

const OID_SHA256_WITH_RSA = "1.2.840.113549.1.1.11";
const OID_COMMON_NAME = "2.5.4.3";
const OID_SUBJECT_ALT_NAME = "2.5.29.17";
const OID_BASIC_CONSTRAINTS = "2.5.29.19";
const X509_VERSION_3 = 2;
const SERIAL_BYTES = 16;
const CERT_BACKDATE_MS = 60 * 60 * 1000; // tolerate small clock skew between processes
// UTCTime only encodes years 1950-2049 (RFC 5280 4.1.2.5.1).
const UTC_TIME_LAST_YEAR = 2049;

function encodeLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest >>= 8) bytes.unshift(rest & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), encodeLength(body.length), body]);
}

function oid(dotted: string): Buffer {
  const [first = 0, second = 0, ...rest] = dotted.split(".").map(Number);
  const bytes = [first * 40 + second];
  for (const arc of rest) {
    const base128: number[] = [arc & 0x7f];
    for (let value = Math.floor(arc / 128); value > 0; value = Math.floor(value / 128)) {
      base128.unshift((value & 0x7f) | 0x80);
    }
    bytes.push(...base128);
  }
  return tlv(TAG_OID, Buffer.from(bytes));
}

function positiveInteger(bytes: Buffer): Buffer {
  // DER wants the shortest form: no redundant leading zero bytes (a random serial starts with one
  // byte in 256, which made OpenSSL refuse the certificate now and then)...
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const minimal = bytes.subarray(start);
  // ...and a leading 0 where needed to keep the two's-complement value positive.
  return tlv(TAG_INTEGER, (minimal[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), minimal]) : minimal);
}

function utcTime(date: Date): Buffer {
  const pad = (n: number) => String(n).padStart(2, "0");
  const text =
    pad(date.getUTCFullYear() % 100) +
    pad(date.getUTCMonth() + 1) +
    pad(date.getUTCDate()) +
    pad(date.getUTCHours()) +
    pad(date.getUTCMinutes()) +
    pad(date.getUTCSeconds()) +
    "Z";
  return tlv(TAG_UTC_TIME, Buffer.from(text, "ascii"));
}

function name(commonName: string): Buffer {
  return tlv(
    TAG_SEQUENCE,
    tlv(TAG_SET, tlv(TAG_SEQUENCE, oid(OID_COMMON_NAME), tlv(TAG_UTF8_STRING, Buffer.from(commonName)))),
  );
}

function extension(id: string, value: Buffer): Buffer {
  return tlv(TAG_SEQUENCE, oid(id), tlv(TAG_OCTET_STRING, value));
}

function subjectAltNames(hosts: readonly string[]): Buffer {
  const names = hosts.map((host) =>
    isIP(host) === 4
      ? tlv(TAG_SAN_IP, Buffer.from(host.split(".").map(Number)))
      : tlv(TAG_SAN_DNS, Buffer.from(host, "ascii")),
  );
  return tlv(TAG_SEQUENCE, ...names);
}

export interface SelfSignedCertificate {
  /** PEM text, usable as a TLS `cert` and as a trusted CA. */
  pem: string;
  der: Buffer;
  /** base64url SHA-1 thumbprint, the JWK `x5t` form. */
  x5t: string;
}

export interface CertificateOptions {
  commonName: string;
  /** DNS names and IPv4 addresses the certificate is valid for (subjectAltName). */
  hosts?: readonly string[];
  validForMs: number;
  now?: Date;
}

/** A self-signed certificate for the key pair; it is its own trust anchor. */
export function selfSignedCertificate(
  keys: { publicKey: KeyObject; privateKey: KeyObject },
  options: CertificateOptions,
): SelfSignedCertificate {
  const now = options.now ?? new Date();
  const notBefore = new Date(now.getTime() - CERT_BACKDATE_MS);
  const notAfter = new Date(now.getTime() + options.validForMs);
  if (notAfter.getUTCFullYear() > UTC_TIME_LAST_YEAR)
    throw new Error("certificate validity must end before 2050");
  const algorithm = tlv(TAG_SEQUENCE, oid(OID_SHA256_WITH_RSA), tlv(TAG_NULL));
  const serial = createHash("sha256")
    .update(keys.publicKey.export({ type: "spki", format: "der" }))
    .digest();
  const extensions = [extension(OID_BASIC_CONSTRAINTS, tlv(TAG_SEQUENCE))];
  if (options.hosts?.length) extensions.push(extension(OID_SUBJECT_ALT_NAME, subjectAltNames(options.hosts)));
  const tbs = tlv(
    TAG_SEQUENCE,
    tlv(TAG_EXPLICIT_0, tlv(TAG_INTEGER, Buffer.from([X509_VERSION_3]))),
    positiveInteger(serial.subarray(0, SERIAL_BYTES)),
    algorithm,
    name(options.commonName),
    tlv(TAG_SEQUENCE, utcTime(notBefore), utcTime(notAfter)),
    name(options.commonName),
    keys.publicKey.export({ type: "spki", format: "der" }),
    tlv(TAG_EXPLICIT_3, tlv(TAG_SEQUENCE, ...extensions)),
  );
  const signature = sign("sha256", tbs, keys.privateKey);
  const der = tlv(TAG_SEQUENCE, tbs, algorithm, tlv(TAG_BIT_STRING, Buffer.from([0]), signature));
  // Parse it back: a malformed encoding fails here, not deep inside a TLS handshake.
  const pem = new X509Certificate(der).toString();
  return { pem, der, x5t: createHash("sha1").update(der).digest("base64url") };
}
