import { createHash, hash, randomBytes } from "node:crypto";

/**
 * Credential format, like GitHub's tokens: a kind prefix, 32 random bytes in base62 and a CRC32
 * checksum of the random part (6 base62 characters), so secret scanners can recognise a leaked
 * value without asking the server. Only the SHA-256 hash is stored.
 */
export const TOKEN_PREFIX = "tmt_";
export const API_KEY_PREFIX = "tpk_";
/** The data plane's callers, the platform operator's gateways (DESIGN.md "Credentials"). */
export const GATEWAY_PREFIX = "tgw_";
/** The one-time code of an invitation's accept link (DESIGN.md "Invitations"). */
export const INVITATION_PREFIX = "tiv_";

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

function base62(bytes: Buffer, width = 0): string {
  let n = BigInt(`0x${bytes.toString("hex") || "0"}`);
  let out = "";
  while (n > 0n) {
    out = ALPHABET[Number(n % 62n)] + out;
    n /= 62n;
  }
  return out.padStart(width, "0");
}

const CRC_TABLE = Array.from({ length: 256 }, (_, i) => {
  let c = i;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(text: string): number {
  let crc = 0xffffffff;
  for (const byte of Buffer.from(text)) crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function checksum(body: string): string {
  const buf = Buffer.alloc(4);
  buf.writeUInt32BE(crc32(body));
  return base62(buf, 6);
}

/** A new secret of the given kind: prefix + 43 base62 characters + 6-character checksum. */
export function newSecret(prefix: typeof TOKEN_PREFIX | typeof API_KEY_PREFIX | typeof GATEWAY_PREFIX | typeof INVITATION_PREFIX): string {
  const body = base62(randomBytes(32), 43);
  return `${prefix}${body}${checksum(body)}`;
}

/** True when the value has a known prefix and its checksum matches (no database needed). */
export function hasValidChecksum(value: string): boolean {
  const m = /^(tmt|tpk|tgw|tiv)_([0-9A-Za-z]{43})([0-9A-Za-z]{6})$/.exec(value);
  return m !== null && checksum(m[2]) === m[3];
}

/**
 * SHA-256, hex: how tokens and keys are stored and looked up. `crypto.hash` (Node ≥ 20.12, 22,
 * 24) is one call and no Hash object, a third of createHash's cost on every authenticated
 * request; older Node 20 releases lack it.
 */
export const hashSecret: (value: string) => string =
  typeof hash === "function" ? (value) => hash("sha256", value, "hex") : (value) => createHash("sha256").update(value).digest("hex");

/** The hint shown after creation: the prefix and the last four characters. */
export function redact(value: string): string {
  const prefix = /^[a-z]+_/.exec(value)?.[0] ?? "";
  return `${prefix}…${value.slice(-4)}`;
}

let sequence = 0;
// Request ids need uniqueness, not secrecy: a random per-process prefix and a counter, no
// randomBytes per request.
const PROCESS_TAG = base62(randomBytes(6), 9);
let requests = 0;

/** `req_…`: the process's random tag, the time and a counter. */
export function newRequestId(): string {
  requests = (requests + 1) % 0x100000000;
  return `req_${PROCESS_TAG}${Date.now().toString(16)}${requests.toString(16).padStart(8, "0")}`;
}

/**
 * Ids such as `org_18f3a…`: hex time and a per-process counter, then randomness. They sort in
 * creation order (lists page by (createdAt, id), and one request may write several audit events
 * in the same millisecond); lowercase hex keeps that order under any database collation.
 */
export function newId(prefix: string): string {
  sequence = (sequence + 1) % 0x1000000;
  return `${prefix}_${Date.now().toString(16).padStart(11, "0")}${sequence.toString(16).padStart(6, "0")}${base62(randomBytes(6), 9)}`;
}

/** Replaces anything shaped like a credential, e.g. a key pasted into a URL, before it is logged. */
export function scrubSecrets(text: string): string {
  // Every credential has an underscore; a text without one (/healthz, /v1/me) skips the
  // regular expression, which every logged request pays for.
  if (!text.includes("_")) return text;
  return text.replace(/\b(tmt|tpk|tgw|tiv)_[0-9A-Za-z]{8,}/g, "$1_[redacted]");
}

/** The credential of an `Authorization: Bearer …` header; undefined when absent, of another scheme or too long to be ours. */
export function bearer(authorization: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
  return m && m[1].length <= 512 ? m[1] : undefined;
}

/** A management token's or an API key's status at `now` (ISO time): revocation wins over expiry. */
export function statusOf(credential: { revoked_at: string | null; expires_at: string | null }, now: string): "active" | "revoked" | "expired" {
  if (credential.revoked_at) return "revoked";
  return credential.expires_at && credential.expires_at <= now ? "expired" : "active";
}
