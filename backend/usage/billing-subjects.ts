import type { FieldError } from "../../schema/errors";
import type { UsageEvent } from "../../schema/usage";
import type { Executor } from "../store/db";
import { findKeysWithTheirProjects } from "../store/api-keys.repository";
import { toProjectRecord } from "../store/projects.repository";
import type { ProjectRow } from "../store/tables";
import type { ProjectLimits } from "./limits";
import type { ReservationSeal } from "./reservation-seal";

/**
 * Who pays for a usage event (DESIGN.md, "Usage is never lost"): the key and project of the
 * reservation it names, whatever happened to them since `authorize` admitted the request; or,
 * for an event naming `apiKeyId`, that key while it and its project were active at the event's
 * `at`. A key the gateway learnt of but whose life had ended is refused with the rule, never
 * recorded at 0 and never billed to a key that no longer served.
 */
export interface KeySubject {
  apiKeyId: string;
  projectId: string;
  /** What this month's invoice lines call the project (its name now). */
  projectName: string;
  organizationId: string;
  createdAt: string;
  limits: ProjectLimits;
  /** When the key stopped being billable without a reservation, and why; undefined while it is. */
  ended?: { at: string; because: string };
}

/** An event's subject: its key, and the budget hold its reservation settles (if it names one). */
export interface Billed {
  key: KeySubject;
  holdId?: string;
}

async function findSubjects(db: Executor, ids: string[]): Promise<Map<string, KeySubject>> {
  if (ids.length === 0) return new Map();
  const rows = await findKeysWithTheirProjects(db, ids);
  return new Map(
    rows.map((r) => {
      const project = toProjectRecord(r as ProjectRow);
      // The earliest end wins: each one alone stops the key.
      const ends = [
        { at: r.key_revoked_at, because: `API key ${r.key_id} was revoked` },
        { at: r.key_expires_at, because: `API key ${r.key_id} expired` },
        { at: project.status === "archived" ? project.archived_at : null, because: `project ${project.id} was archived` },
        { at: r.org_deleted_at, because: `organization ${project.organization_id} was deleted` },
      ].filter((e): e is { at: string; because: string } => e.at !== null);
      const ended = ends.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0))[0];
      const subject: KeySubject = {
        apiKeyId: r.key_id,
        projectId: project.id,
        projectName: project.name,
        organizationId: project.organization_id,
        createdAt: r.key_created_at,
        limits: project.fields.limits ?? {},
        ended,
      };
      return [r.key_id, subject];
    }),
  );
}

/**
 * Each event's subject, by index (undefined where the event is refused), and the field errors
 * that fail the batch. `ats` are the events' times (`at`, default now), already normalized.
 */
export async function billedSubjects(db: Executor, seal: ReservationSeal, events: UsageEvent[], ats: string[]): Promise<{ billed: (Billed | undefined)[]; errors: FieldError[] }> {
  const errors: FieldError[] = [];
  const named = await Promise.all(events.map(async (e) => (e.reservationId !== undefined ? seal.open(e.reservationId) : { apiKeyId: e.apiKeyId!, holdId: undefined })));
  const subjects = await findSubjects(db, [...new Set(named.flatMap((n) => (n ? [n.apiKeyId] : [])))]);
  const refuse = (path: string, message: string) => {
    errors.push({ path, message });
    return undefined;
  };
  const billed = events.map((e, i): Billed | undefined => {
    const n = named[i];
    if (!n) return refuse(`events[${i}].reservationId`, "is not a reservationId that POST /v1/authorize answered for this store; send it exactly as answered, or name the apiKeyId");
    const key = subjects.get(n.apiKeyId);
    if (!key) return refuse(`events[${i}].apiKeyId`, `names no API key (${n.apiKeyId}); use the apiKeyId that POST /v1/authorize answered`);
    if (n.holdId === undefined && key.ended && ats[i] >= key.ended.at) {
      const rule = "an event naming apiKeyId is billed only for a time its key and project were active; name the reservationId POST /v1/authorize answered to bill a request it admitted";
      return refuse(`events[${i}].at`, `is at or after ${key.ended.at}, when ${key.ended.because}: ${rule}`);
    }
    return { key, holdId: n.holdId };
  });
  return { billed, errors };
}
