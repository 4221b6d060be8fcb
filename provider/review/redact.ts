/**
 * Keeps credentials out of a report. A pull request's program runs during its review and can put
 * anything it can read into a resource name or a label: the credentials the job holds (the
 * `TENANCY_TOKEN` it previews with, the stack's configured token), also reversed, base64- or
 * hex-encoded. So every text is checked against those exact values and their encodings, then
 * against the shapes of tenancy's credentials (`tmt_…`, `tpk_…`, `tgw_…`) that reached it anyway.
 */

export type Redactor = (text: string) => string;

const REDACTED = "[redacted]";
/** Shorter values would blank out ordinary words; every tenancy credential is far longer. */
const MIN_SECRET_LENGTH = 8;
const SHAPES = /\b(tpk|tmt|tgw|tsc|tiv)_[A-Za-z0-9]{8,}/g;

/** Environment variables whose values a review job may hold as credentials. */
export const CREDENTIAL_ENV = ["TENANCY_TOKEN", "TENANCY_BOOTSTRAP_TOKEN", "PULUMI_CONFIG_PASSPHRASE", "PULUMI_ACCESS_TOKEN", "GITHUB_TOKEN", "GH_TOKEN"] as const;

export function credentialsFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  return CREDENTIAL_ENV.map((name) => env[name] ?? "").filter(Boolean);
}

/** A redactor for these exact values (and their encodings), and for credential shapes. */
export function redactor(secrets: readonly string[] = []): Redactor {
  const needles = [...new Set(secrets.filter((s) => s.length >= MIN_SECRET_LENGTH).flatMap(encodings))].sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text;
    for (const n of needles) out = replaceAll(out, n);
    return out.replace(SHAPES, `$1_${REDACTED}`).replace(/bootstrap-[0-9a-f]{16,}/g, REDACTED);
  };
}

/** The value as it may appear in a text: plain, reversed, base64 (any alignment, URL-safe too) and hex. */
function encodings(secret: string): string[] {
  const bytes = Buffer.from(secret, "utf8");
  const out = [secret, [...secret].reverse().join(""), bytes.toString("hex"), bytes.toString("hex").toUpperCase()];
  // Inside a longer base64 text the value starts at one of three byte offsets; the characters
  // that encode only its own bytes are the same whatever surrounds it.
  for (let shift = 0; shift < 3; shift++) {
    const encoded = Buffer.concat([Buffer.alloc(shift), bytes]).toString("base64");
    const core = encoded.slice(shift ? 4 : 0, encoded.length - 4);
    for (const b of [core, core.replace(/\+/g, "-").replace(/\//g, "_")]) if (b.length >= MIN_SECRET_LENGTH) out.push(b);
  }
  return out;
}

function replaceAll(text: string, needle: string): string {
  return /^[0-9A-F]+$/i.test(needle) ? text.replace(new RegExp(needle, "gi"), REDACTED) : text.split(needle).join(REDACTED);
}
