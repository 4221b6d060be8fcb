import { TenancyError } from "../../schema/errors";
import { API_KEY_PREFIX, hasValidChecksum, hashSecret } from "../auth/credentials";
import type { Db } from "../store/db";
import type { ProjectLimits } from "./limits";

/**
 * Resolves `Authorization: Bearer tpk_…` for the data plane. Lookups are cached for at most
 * half a second, so a revoked key, an archived project or a lowered limit holds on every
 * instance within one second without a database round trip per gateway request.
 */
export interface KeyEntry {
  apiKeyId: string;
  projectId: string;
  organizationId: string;
  permissions: "all" | "read_only";
  createdAt: string;
  expiresAt: string | null;
  limits: ProjectLimits;
}

const TTL_MS = 500;
const MAX_ENTRIES = 10_000;

// One message for every failure, so a 401 never says whether a key exists.
const UNAUTHENTICATED =
  'authorization must be "Bearer <project API key>" with an active key (tpk_…) of an active project; management tokens do not work on the data plane';
export const unauthenticated = () => new TenancyError("unauthenticated", UNAUTHENTICATED);

async function lookup(db: Db, hash: string): Promise<KeyEntry | null> {
  const row = await db
    .selectFrom("api_keys as k")
    .innerJoin("projects as p", "p.id", "k.project_id")
    .select(["k.id", "k.project_id", "k.organization_id", "k.permissions", "k.created_at", "k.expires_at", "k.revoked_at", "p.status", "p.fields"])
    .where("k.hash", "=", hash)
    .executeTakeFirst();
  if (!row || row.revoked_at !== null || row.status !== "active") return null;
  const fields = JSON.parse(row.fields) as { limits?: ProjectLimits };
  return {
    apiKeyId: row.id,
    projectId: row.project_id,
    organizationId: row.organization_id,
    permissions: row.permissions === "read_only" ? "read_only" : "all",
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    limits: fields.limits ?? {},
  };
}

export class ApiKeyCache {
  private readonly entries = new Map<string, { at: number; entry: Promise<KeyEntry | null> }>();
  /** key id → latest use, written in one batch by `flushLastUsed` (≤ 60 s late). */
  private readonly used = new Map<string, string>();

  constructor(private readonly db: Db) {}

  async resolve(authorization: string | undefined, now: Date): Promise<KeyEntry> {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
    // The checksum turns away typos and management tokens before any lookup.
    if (!m || !m[1].startsWith(API_KEY_PREFIX) || !hasValidChecksum(m[1])) throw unauthenticated();
    const hash = hashSecret(m[1]);
    const t = now.getTime();
    let cached = this.entries.get(hash);
    if (!cached || t - cached.at > TTL_MS) {
      if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
      cached = { at: t, entry: lookup(this.db, hash) };
      this.entries.set(hash, cached);
      cached.entry.catch(() => this.entries.delete(hash));
    }
    const entry = await cached.entry;
    if (!entry || (entry.expiresAt !== null && entry.expiresAt <= now.toISOString())) throw unauthenticated();
    this.used.set(entry.apiKeyId, now.toISOString());
    return entry;
  }

  /** Writes the batched `lastUsedAt`s; never moves one backwards (another instance may be ahead). */
  async flushLastUsed(): Promise<void> {
    const batch = [...this.used.entries()];
    this.used.clear();
    for (const [id, at] of batch) {
      await this.db
        .updateTable("api_keys")
        .set({ last_used_at: at })
        .where("id", "=", id)
        .where((eb) => eb.or([eb("last_used_at", "is", null), eb("last_used_at", "<", at)]))
        .execute();
    }
  }
}

