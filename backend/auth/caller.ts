import { TenancyError } from "../../schema/errors";
import type { Store } from "../store/db";
import { findTokenByHash, touchToken } from "../store/tokens.repository";
import { findUserById } from "../store/users.repository";
import type { Caller } from "../services/context";
import { API_KEY_PREFIX, hashSecret } from "./credentials";

// One message for every failure, so a 401 never says whether a token exists.
const UNAUTHENTICATED = "authorization must be \"Bearer <management token>\" with an active token (tmt_…); create one with npm run token or POST /v1/tokens";

// Writing last_used_at on every request would turn reads into writes; a minute's precision will do.
const TOUCH_EVERY_MS = 60_000;

/** Resolves `Authorization: Bearer …` to a caller, or throws 401 `unauthenticated`. */
export async function resolveCaller(store: Store, authorization: string | undefined, now: Date): Promise<Caller> {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
  // API keys authenticate workloads to the data plane only, never the management API.
  if (!m || m[1].startsWith(API_KEY_PREFIX) || m[1].length > 512) throw new TenancyError("unauthenticated", UNAUTHENTICATED);
  const token = await findTokenByHash(store.db, hashSecret(m[1]));
  if (!token || token.revoked_at !== null || (token.expires_at !== null && token.expires_at <= now.toISOString())) {
    throw new TenancyError("unauthenticated", UNAUTHENTICATED);
  }
  const user = await findUserById(store.db, token.user_id);
  if (!user) throw new TenancyError("unauthenticated", UNAUTHENTICATED);
  if (!token.last_used_at || now.getTime() - Date.parse(token.last_used_at) > TOUCH_EVERY_MS) {
    await touchToken(store.db, token.id, now.toISOString());
  }
  return { user, token };
}
