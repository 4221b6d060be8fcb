import type { ErrorCode } from "../../../schema/errors";

/**
 * Every unique constraint of the schema that a client can run into, with the error it means.
 * The services check these under a lock first; a constraint firing means a concurrent request won
 * the race. PostgreSQL names the constraint; SQLite names only the columns
 * ("UNIQUE constraint failed: projects.organization_id, projects.name"), hence both.
 */
export interface ConstraintError {
  name: string;
  table: string;
  columns: readonly string[];
  code: ErrorCode;
  message: string;
}

export const CONSTRAINT_ERRORS: readonly ConstraintError[] = [
  { name: "organizations_external_id", table: "organizations", columns: ["created_by", "external_id"], code: "external_id_taken", message: "externalId is already used by another of your live organizations" },
  { name: "org_members_pk", table: "org_members", columns: ["organization_id", "user_id"], code: "member_exists", message: "this user is already a member of the organization" },
  { name: "org_members_external_id", table: "org_members", columns: ["organization_id", "external_id"], code: "external_id_taken", message: "externalId is already used by another membership of this organization" },
  { name: "projects_active_name", table: "projects", columns: ["organization_id", "name"], code: "name_taken", message: "an active project with this name already exists in this organization" },
  { name: "projects_active_external_id", table: "projects", columns: ["organization_id", "external_id"], code: "external_id_taken", message: "externalId is already used by an active project of this organization" },
  { name: "project_members_pk", table: "project_members", columns: ["project_id", "user_id"], code: "member_exists", message: "this user is already a member of the project" },
  { name: "project_members_external_id", table: "project_members", columns: ["project_id", "external_id"], code: "external_id_taken", message: "externalId is already used by another membership of this project" },
  { name: "api_keys_live_external_id", table: "api_keys", columns: ["project_id", "external_id"], code: "external_id_taken", message: "externalId is already used by a live key of this project" },
];

/** The constraint a unique violation names: PostgreSQL's `constraint`, or SQLite's column list. */
export function constraintOf(error: { constraint?: string; message?: string }): ConstraintError | undefined {
  if (error.constraint) return CONSTRAINT_ERRORS.find((c) => c.name === error.constraint);
  const m = /UNIQUE constraint failed: (.+)$/.exec(error.message ?? "");
  if (!m) return undefined;
  const failed = m[1].split(",").map((s) => s.trim());
  return CONSTRAINT_ERRORS.find((c) => c.columns.length === failed.length && c.columns.every((col, i) => failed[i] === `${c.table}.${col}`));
}
