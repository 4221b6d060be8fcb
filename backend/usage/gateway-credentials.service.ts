import { hostname, userInfo } from "node:os";
import type { AuditAction } from "../../schema/audit";
import { GATEWAY_PREFIX, hashSecret, newId, newSecret, redact } from "../auth/credentials";
import { insertAuditEvent } from "../store/audit.repository";
import type { Executor } from "../store/db";
import { findGatewayCredential, GatewayCredentialRow, insertGatewayCredential, listGatewayCredentials, revokeGatewayCredential } from "../store/gateway-credentials.repository";

/**
 * Gateway credentials are minted, listed and revoked on the server host only (`npm run -s
 * gateway-token`): whoever can run that holds the store anyway, and no API route can mint a
 * credential that bills every tenant.
 *
 * Their audit events are instance-wide: the audit log is per organization and a gateway serves
 * them all, so copying the event into every organization's log would show tenants the operator's
 * infrastructure and grow with the number of tenants. They are stored with organization null (as
 * a person's own token events are), where the operator reads them in the store, and each is also
 * a log line on stderr (without the secret) for the host's log collection.
 */
export interface GatewayCredentialView {
  id: string;
  name: string;
  /** The hint: prefix and last four characters. */
  redacted: string;
  createdAt: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

const view = (r: GatewayCredentialRow): GatewayCredentialView => ({ id: r.id, name: r.name, redacted: r.redacted, createdAt: r.created_at, revokedAt: r.revoked_at, lastUsedAt: r.last_used_at });

/** The operator at the host: no user of tenancy, so the actor is the OS account that ran the command. */
function hostActor(): { actor_user_id: string; actor_email: string; actor_ip: string } {
  const user = userInfo().username;
  return { actor_user_id: `host:${user}`, actor_email: `${user}@${hostname()}`, actor_ip: "local" };
}

async function audit(db: Executor, action: AuditAction, row: GatewayCredentialRow, changes: Record<string, { from: unknown; to: unknown }>, now: string): Promise<void> {
  await insertAuditEvent(db, {
    id: newId("evt"),
    organization_id: null,
    project_id: null,
    ...hostActor(),
    action,
    target_type: "gateway_credential",
    target_id: row.id,
    changes: JSON.stringify(changes),
    request_id: newId("req"),
    at: now,
  });
}

export class GatewayCredentialError extends Error {
  override readonly name = "GatewayCredentialError";
}

/** Mints a credential called `name`; returns its view and the secret (shown this once). */
export async function mintGatewayCredential(db: Executor, name: string, now: string): Promise<{ credential: GatewayCredentialView; secret: string }> {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name)) throw new GatewayCredentialError(`NAME must be 1-64 letters, digits, '.', '_' or '-' (starting with a letter or digit), got "${name}"`);
  if ((await findGatewayCredential(db, name))?.name === name) throw new GatewayCredentialError(`a live gateway credential is already called "${name}"; revoke it first (--revoke ${name}) or choose another name`);
  const secret = newSecret(GATEWAY_PREFIX);
  const row: GatewayCredentialRow = { id: newId("gw"), name, hash: hashSecret(secret), redacted: redact(secret), created_at: now, revoked_at: null, last_used_at: null };
  await insertGatewayCredential(db, row);
  await audit(db, "gateway_credential.created", row, { name: { from: null, to: name }, redacted: { from: null, to: row.redacted } }, now);
  return { credential: view(row), secret };
}

/** Revokes the live credential called `nameOrId` (or with that id); its gateway gets 401 within a second on every instance. */
export async function revokeGatewayCredentialByName(db: Executor, nameOrId: string, now: string): Promise<GatewayCredentialView> {
  const row = await findGatewayCredential(db, nameOrId);
  if (!row) throw new GatewayCredentialError(`no live gateway credential is called or has the id "${nameOrId}"; --list shows them`);
  if (row.revoked_at) return view(row);
  await revokeGatewayCredential(db, row.id, now);
  await audit(db, "gateway_credential.revoked", row, { revokedAt: { from: null, to: now } }, now);
  return view({ ...row, revoked_at: now });
}

export async function listGateways(db: Executor): Promise<GatewayCredentialView[]> {
  return (await listGatewayCredentials(db)).map(view);
}
