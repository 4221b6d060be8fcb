/**
 * Row types of every table. Timestamps are RFC 3339 strings and structured fields are JSON text
 * on both engines, so one query builder and one set of tests serve SQLite and PostgreSQL alike.
 */

export interface UserRow {
  id: string;
  email: string;
  kind: "person" | "service_account";
  name: string | null;
  /** The organization a service account was created in; null for people. */
  organization_id: string | null;
  created_at: string;
  updated_at: string;
}

export interface TokenRow {
  id: string;
  user_id: string;
  name: string;
  hash: string;
  redacted: string;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
  created_at: string;
  /** When the token's age starts: its parent's start for a token minted with a token (null: created_at). */
  age_from: string | null;
  /** The longest time the token (and its ancestors) went unused, in seconds: idleness is final. */
  idle_max_seconds: number | null;
  /** The sign-in it comes from (migration 008; null: minted on the host or by the bootstrap). */
  sso_issuer: string | null;
  sso_subject: string | null;
  sso_auth_time: string | null;
  /** 1 when the identity provider asserted more than one factor (`amr`), 0 when not. */
  sso_mfa: number | null;
}

export interface OrganizationRow {
  id: string;
  name: string;
  external_id: string | null;
  created_by: string;
  billing: string;
  settings: string;
  security_policy: string;
  version: number;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
}

export interface OrgMemberRow {
  organization_id: string;
  user_id: string;
  role: string;
  external_id: string | null;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface ProjectRow {
  id: string;
  organization_id: string;
  name: string;
  environment: string;
  status: "active" | "archived";
  /** The optional project fields (team, workload, accountability contacts, labels, limits). */
  fields: string;
  external_id: string | null;
  version: number;
  created_at: string;
  updated_at: string;
  archived_at: string | null;
}

export interface ProjectMemberRow {
  project_id: string;
  user_id: string;
  organization_id: string;
  role: string;
  external_id: string | null;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface ApiKeyRow {
  id: string;
  project_id: string;
  organization_id: string;
  owner_user_id: string;
  name: string;
  permissions: string;
  hash: string;
  redacted: string;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
  external_id: string | null;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface AuditEventRow {
  id: string;
  /** Null for events outside any organization (a person's own tokens). */
  organization_id: string | null;
  project_id: string | null;
  actor_user_id: string;
  actor_email: string;
  actor_ip: string;
  action: string;
  target_type: string;
  target_id: string;
  changes: string;
  request_id: string;
  at: string;
}

export interface IdempotencyRow {
  user_id: string;
  key: string;
  fingerprint: string;
  status: number;
  response: string;
  created_at: string;
}

/** A pending claim on an object created with an `externalId` (migration 006); a confirmed one has no row. */
export interface ClaimRow {
  object_id: string;
  created_by: string;
  created_at: string;
}

export interface Database {
  users: UserRow;
  tokens: TokenRow;
  organizations: OrganizationRow;
  org_members: OrgMemberRow;
  projects: ProjectRow;
  project_members: ProjectMemberRow;
  api_keys: ApiKeyRow;
  audit_events: AuditEventRow;
  idempotency_keys: IdempotencyRow;
  claims: ClaimRow;
}
