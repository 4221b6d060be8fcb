/**
 * The in-memory model of who may see and do what, written from DESIGN.md ("Roles and what they
 * may do", "Credentials") and the holes issue 7 lists, not from the backend's code. Objects are
 * kept with their real ids so that commands can address them; everything else is the model's own
 * belief, which every response is checked against.
 */

export type OrgRole = "admin" | "billing" | "member" | "viewer";
export type ProjectRole = "owner" | "member" | "viewer";
export const ORG_ROLES: OrgRole[] = ["admin", "billing", "member", "viewer"];
export const PROJECT_ROLES: ProjectRole[] = ["owner", "member", "viewer"];

export interface User {
  id: string;
  email: string;
  kind: "person" | "service_account";
  /** A service account exists in exactly one organization (index into `orgs`). */
  home?: number;
}

/** Where a token's person signed in, and whether with a second factor. */
export interface SignIn {
  issuer: string;
  mfa: boolean;
}

/** The two identity providers of the model: organizations enforce one or the other. */
export const ISSUERS = ["https://idp-a.model.test", "https://idp-b.model.test"];

/** One management token: who holds it, where it comes from (X-Forwarded-For) and how old it is. */
export interface Actor {
  label: string;
  user: User;
  token: string;
  tokenId: string;
  ip: string;
  ageDays: number;
  /** False once revoked (a removed service account) or its organization deleted. */
  live: boolean;
  /**
   * The sign-in the token comes from. A person's token without one was minted on the server host:
   * the operator's break-glass credential, which SSO and MFA policies do not refuse.
   */
  signIn?: SignIn;
}

export interface Org {
  id: string;
  members: Map<string, OrgRole>;
  allowlist: string[];
  maxDays?: number;
  /** `securityPolicy.sso`: enforced at this issuer, when on (the issuer stays stored once off). */
  sso: { enforced: boolean; issuer?: string };
  requireMfa: boolean;
  membersCanCreate: boolean;
  deleted: boolean;
}

/** A new organization, as its creator (now its only admin) finds it. */
export function newOrg(id: string, adminId: string): Org {
  return { id, members: new Map([[adminId, "admin"]]), allowlist: [], sso: { enforced: false }, requireMfa: false, membersCanCreate: false, deleted: false };
}

export interface Project {
  id: string;
  org: number;
  name: string;
  archived: boolean;
  members: Map<string, ProjectRole>;
}

export interface Key {
  id: string;
  project: number;
  owner: string;
  revoked: boolean;
}

export interface Model {
  tag: string;
  users: User[];
  actors: Actor[];
  orgs: Org[];
  projects: Project[];
  keys: Key[];
  /** Counter for unique names and addresses inside the sequence. */
  next: number;
}

/** An acceptable refusal; several when DESIGN.md leaves the order of two checks open. */
export interface Refusal {
  status: number;
  code: string;
  /** For a 404: the id that is invisible, so the check can replay the call with a missing one. */
  hidden?: string;
}
export const notFound: Refusal = { status: 404, code: "not_found" };
export const forbidden: Refusal = { status: 403, code: "forbidden" };
export const invalid: Refusal = { status: 400, code: "invalid_request" };
export const unauthenticated: Refusal = { status: 401, code: "unauthenticated" };

export function pick<T>(list: readonly T[], i: number): T {
  return list[i % list.length];
}

export function ipIn(ip: string, cidrs: readonly string[]): boolean {
  // The model only ever uses /32 ranges of its own actors' addresses.
  return cidrs.length === 0 || cidrs.includes(`${ip}/32`);
}

export function orgRole(m: Model, a: Actor, o: number): OrgRole | undefined {
  const org = m.orgs[o];
  return org.deleted ? undefined : org.members.get(a.user.id);
}

/**
 * What an organization's sign-in policy refuses in this token, if the organization were `org`:
 * only a person's signed-in token (service accounts and break-glass tokens are exempt).
 */
export function signInFences(org: Pick<Org, "sso" | "requireMfa">, a: Actor): Refusal[] {
  if (a.user.kind !== "person" || !a.signIn) return [];
  const out: Refusal[] = [];
  if (org.sso.enforced && a.signIn.issuer !== org.sso.issuer) out.push({ status: 403, code: "sso_required" });
  if (org.requireMfa && !a.signIn.mfa) out.push({ status: 403, code: "mfa_required" });
  return out;
}

/** The org's policy refusals for this token: token age, the IP allowlist, SSO and MFA. */
export function fences(m: Model, a: Actor, o: number): Refusal[] {
  const org = m.orgs[o];
  const out: Refusal[] = [];
  if (org.maxDays !== undefined && a.ageDays > org.maxDays) out.push({ status: 401, code: "token_too_old" });
  if (!ipIn(a.ip, org.allowlist)) out.push({ status: 403, code: "ip_not_allowed" });
  return [...out, ...signInFences(org, a)];
}

/** Organizations this token may see at all: a member, not fenced, org not deleted. */
export function seesOrg(m: Model, a: Actor, o: number): boolean {
  return a.live && orgRole(m, a, o) !== undefined && fences(m, a, o).length === 0;
}

export function projectRole(m: Model, a: Actor, p: number): ProjectRole | undefined {
  return m.projects[p].members.get(a.user.id);
}

/** Admin, billing and viewer see every project of their org; others only those they hold a role in. */
export function seesProject(m: Model, a: Actor, p: number): boolean {
  const role = orgRole(m, a, m.projects[p].org);
  return role === "admin" || role === "billing" || role === "viewer" || (role !== undefined && projectRole(m, a, p) !== undefined);
}

/** An organization viewer writes nothing: a project role it also holds lets it read only. */
export function writingProjectRole(m: Model, a: Actor, p: number): ProjectRole | undefined {
  return orgRole(m, a, m.projects[p].org) === "viewer" ? undefined : projectRole(m, a, p);
}

/**
 * The gate of every organization route: a dead token is 401, an org the caller is not in is 404
 * exactly like a missing one, then the org's policy. `null` means the caller is through.
 */
export function orgGate(m: Model, a: Actor, o: number): Refusal[] | null {
  if (!a.live) return [unauthenticated];
  if (orgRole(m, a, o) === undefined) return [{ ...notFound, hidden: m.orgs[o].id }];
  const f = fences(m, a, o);
  return f.length ? f : null;
}

/** The org gate, then the project's own visibility (404). */
export function projectGate(m: Model, a: Actor, p: number): Refusal[] | null {
  return orgGate(m, a, m.projects[p].org) ?? (seesProject(m, a, p) ? null : [{ ...notFound, hidden: m.projects[p].id }]);
}

export function isAdmin(m: Model, a: Actor, o: number): boolean {
  return orgRole(m, a, o) === "admin";
}

/** Admin, or the project's owner: may manage the project's members and any of its keys. */
export function managesProject(m: Model, a: Actor, p: number): boolean {
  return isAdmin(m, a, m.projects[p].org) || writingProjectRole(m, a, p) === "owner";
}

export function activeKeysOf(m: Model, userId: string, projects: (p: Project) => boolean): Key[] {
  return m.keys.filter((k) => !k.revoked && k.owner === userId && projects(m.projects[k.project]));
}

export function fresh(m: Model, what: string): string {
  return `${what}-${m.tag}-${++m.next}`;
}

/** The model's name for a real id (org0, project2, P3's user…), so failures read as the story they tell. */
export function label(m: Model, id: string): string {
  const o = m.orgs.findIndex((x) => x.id === id);
  if (o >= 0) return `org${o}`;
  const p = m.projects.findIndex((x) => x.id === id);
  if (p >= 0) return `project${p}`;
  const u = m.users.find((x) => x.id === id);
  if (u) return u.email.split("@")[0];
  const k = m.keys.findIndex((x) => x.id === id);
  return k >= 0 ? `key${k}` : id;
}

/**
 * Picks from `preferred` when `near` (three times in four), else from everyone: random actors
 * would mostly knock on organizations they are not in, and the interesting calls come from inside.
 */
export function choose<T>(all: readonly T[], i: number, near: number, preferred: readonly T[]): T {
  return pick(near > 0 && preferred.length > 0 ? preferred : all, i);
}

export function actorIn(m: Model, a: number, near: number, o: number): Actor {
  return choose(m.actors, a, near, m.actors.filter((x) => x.live && m.orgs[o].members.has(x.user.id)));
}

export function actorOf(m: Model, a: number, near: number, p: number): Actor {
  return choose(m.actors, a, near, m.actors.filter((x) => x.live && seesProject(m, x, p)));
}

export function userIn(m: Model, t: number, near: number, ids: { has(id: string): boolean }): User {
  return choose(m.users, t, near, m.users.filter((u) => ids.has(u.id)));
}
