import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

/**
 * Secrets the backend must use, not only compare (an organization's SSO client secret), sealed
 * with AES-256-GCM under `TENANCY_ENCRYPTION_KEY` before they reach the store. A sealed value
 * names its format, so a future key rotation can tell old from new: `tenc1.<iv>.<tag>.<data>`.
 */
const FORMAT = "tenc1";

export class SecretBox {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error("SecretBox: the key must be 32 bytes (AES-256)");
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv);
    const data = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
    return [FORMAT, iv.toString("base64url"), cipher.getAuthTag().toString("base64url"), data.toString("base64url")].join(".");
  }

  /** The plain text, or an `UnreadableSecret` when the value was sealed under another key or altered. */
  open(sealed: string): string {
    const [format, iv, tag, data] = sealed.split(".");
    if (format !== FORMAT || data === undefined) throw new UnreadableSecret("is not a value this backend sealed");
    try {
      const decipher = createDecipheriv("aes-256-gcm", this.key, Buffer.from(iv, "base64url"));
      decipher.setAuthTag(Buffer.from(tag, "base64url"));
      return Buffer.concat([decipher.update(Buffer.from(data, "base64url")), decipher.final()]).toString("utf8");
    } catch {
      throw new UnreadableSecret("was sealed under another TENANCY_ENCRYPTION_KEY, or altered");
    }
  }
}

/** The box of a backend's configuration (undefined: no TENANCY_ENCRYPTION_KEY). */
export function secretBoxOf(config: { encryptionKey?: Buffer }): SecretBox | undefined {
  return config.encryptionKey ? new SecretBox(config.encryptionKey) : undefined;
}

export class UnreadableSecret extends Error {
  override readonly name = "UnreadableSecret";
}
