import { Http } from "../client";
import { AuditEvent, auditEvent, page } from "../../schema";
import { identify } from "../guardrails/identity";
import { Directory } from "./directory";
import { DriftStep } from "./preview";

/**
 * Who made an out-of-band change, and when: the audit log's events on the drifted object
 * (`GET /v1/organizations/{orgId}/audit-events`, which a viewer reads) after the stack last wrote
 * it. An object's events are matched by what the backend records as their target: a member's
 * user (in its organization or project), a project, an organization, a key.
 */

export interface Authorship {
  /** The actors' emails, in the order they acted. */
  by: string[];
  /** When the last of them acted. */
  at?: string;
}

/** Per drifted resource (by URN), the events that changed its object. */
export async function authorsOf(drift: readonly DriftStep[], directory: Directory, backend: { endpoint: string; token: string }): Promise<Map<string, Authorship>> {
  const http = new Http(backend);
  const targets = drift.map((d) => ({ d, ...targetOf(d, directory) })).filter((t) => t.orgId && t.targetId);
  const logs = new Map<string, Promise<AuditEvent[]>>();
  for (const t of targets) {
    if (!logs.has(t.orgId!)) logs.set(t.orgId!, readLog(http, t.orgId!, earliest(targets.filter((u) => u.orgId === t.orgId).map((u) => u.d.storedAt))));
  }
  const out = new Map<string, Authorship>();
  for (const t of targets) {
    const events = (await logs.get(t.orgId!)!).filter((e) => e.target.id === t.targetId && (!t.member || e.projectId === t.projectId) && (!t.d.storedAt || e.at > t.d.storedAt));
    if (events.length) out.set(t.d.urn, { by: [...new Set(events.map((e) => e.actor.email))], at: events[events.length - 1].at });
  }
  return out;
}

/** The organization whose log holds the object's events, the object's id there, and for a project membership its project. */
function targetOf(d: DriftStep, directory: Directory): { orgId?: string; targetId?: string; member?: boolean; projectId?: string } {
  const id = d.old?.id ?? "";
  const props = d.old?.props ?? {};
  const str = (v: unknown) => (typeof v === "string" ? v : undefined);
  const kind = d.old ? identify(d.old).kind : undefined;
  if (kind === "Membership" || kind === "ServiceAccount") {
    const parts = id.split("/");
    // A user's events in the organization and in each project are apart: only this membership's scope counts.
    return { orgId: parts[0], targetId: parts[parts.length - 1], member: true, projectId: parts.length === 3 ? parts[1] : undefined };
  }
  if (kind === "Organization") return { orgId: id, targetId: id };
  if (kind === "Project") return { orgId: str(props.organizationId), targetId: id };
  if (kind === "ApiKey") return { orgId: directory.project(str(props.projectId) ?? "")?.organizationId, targetId: id };
  return {};
}

/** The whole log from `from` on, page by page. */
async function readLog(http: Http, orgId: string, from: string | undefined): Promise<AuditEvent[]> {
  const events: AuditEvent[] = [];
  for (let after: string | undefined; ; ) {
    const p = await http.send(page(auditEvent), "GET", `/v1/organizations/${encodeURIComponent(orgId)}/audit-events`, { query: { limit: "100", from, after } });
    events.push(...p.data);
    if (!p.hasMore || !p.nextCursor) return events;
    after = p.nextCursor;
  }
}

function earliest(times: (string | undefined)[]): string | undefined {
  // One object without a known write time needs the whole log.
  return times.some((t) => t === undefined) ? undefined : [...(times as string[])].sort()[0];
}
