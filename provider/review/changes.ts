import { COMPONENT_TYPES, identify } from "../guardrails/identity";
import { buildModel, indexModel, nameOfUrn, ResourceInput, TenancyModel } from "../guardrails/model";
import { after, before, Preview, Step } from "./preview";
import { DEFAULT_OVERLAP_HOURS } from "../overlap";
import { organizationSpec } from "../organization";
import { projectSpec } from "../project";
import { Access, UNDECLARED } from "../access";
import { Directory, EMPTY_DIRECTORY, externalOrganizations, labelOf, Resolved } from "./directory";

/**
 * What a preview changes, in a reviewer's terms: who gains, loses or changes which role where;
 * keys created, rotated, revoked; projects created, changed, archived; organization settings and
 * policy before → after. Objects are named by their names (email, project, organization), the
 * names resolved from both sides of the preview so a deleted project's members are still named.
 * Only known, non-secret fields are ever read: a key's secret or a token never reaches a report.
 * Given a directory (the backend's objects behind the preview's ids), an existing object is named
 * as the backend names it, with its id, whatever the program calls it.
 */

export interface AccessChange {
  who: string;
  kind: "person" | "serviceAccount";
  /** `invited`: the grant waits on the person's acceptance (they have no account yet), apart from `gains`. */
  change: "gains" | "invited" | "loses" | "changes";
  role: string;
  fromRole?: string;
  where: string;
  scope: "organization" | "project";
}

export interface KeyChange {
  change: "created" | "rotated" | "revoked" | "renamed";
  name: string;
  project: string;
  owner: string;
  permissions: string;
  expiry: string;
  /** The environment of the key's project, when the preview names it. */
  environment?: string;
  /** For a rotation: the inputs that caused it, and fields whose value changed (before → after). */
  detail?: string;
  /** For a rotation: how long the replaced credential keeps working (`rotationOverlapHours`). */
  overlapHours?: number;
}

export interface FieldChange {
  field: string;
  before: string;
  after: string;
}

export interface ObjectChange {
  change: "created" | "updated" | "archived" | "deleted" | "moved";
  name: string;
  fields: FieldChange[];
}

export interface OtherChange {
  op: string;
  type: string;
  name: string;
}

export interface Changes {
  access: AccessChange[];
  keys: KeyChange[];
  projects: ObjectChange[];
  organizations: ObjectChange[];
  others: OtherChange[];
  /** The layout after the preview (for the guardrails and the launch sheet). */
  after: TenancyModel;
}

/** Shown for a value the preview does not know yet. */
export const UNKNOWN_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
// Fields that hold a credential, by their last word: `tokensPerMinute` is a limit, not a token.
const SECRET_FIELDS = /(secret|token|password|passphrase)$/i;

export function describe(value: unknown): string {
  if (value === undefined || value === null) return "–";
  if (value === UNKNOWN_VALUE) return "(known after apply)";
  if (typeof value === "string") return value;
  return JSON.stringify(value, (_k, v) => (v === UNKNOWN_VALUE ? "(known after apply)" : v));
}

/** The leaves of two objects that differ, as dotted paths; secret-looking fields are left out. */
export function changedFields(before: Record<string, unknown>, after: Record<string, unknown>, fields: readonly string[], prefix = ""): FieldChange[] {
  const out: FieldChange[] = [];
  for (const f of fields) {
    if (SECRET_FIELDS.test(f)) continue;
    const [a, b] = [before[f], after[f]];
    const isObj = (v: unknown) => v && typeof v === "object" && !Array.isArray(v);
    if ((isObj(a) || a === undefined) && (isObj(b) || b === undefined) && (isObj(a) || isObj(b))) {
      const ao = (a ?? {}) as Record<string, unknown>;
      const bo = (b ?? {}) as Record<string, unknown>;
      out.push(...changedFields(ao, bo, [...new Set([...Object.keys(ao), ...Object.keys(bo)])].sort(), `${prefix}${f}.`));
    } else if (describe(a) !== describe(b)) {
      out.push({ field: `${prefix}${f}`, before: a === undefined ? "(not set)" : describe(a), after: b === undefined ? "(removed)" : describe(b) });
    }
  }
  return out;
}

// The fields a reviewer sees change: each kind's API body (its `externalId` is the URN, not a field anyone edits).
const fieldsOf = (spec: { bodyKeys: readonly string[] }) => spec.bodyKeys.filter((k) => k !== "externalId");
const ORG_FIELDS = [...fieldsOf(organizationSpec), "exclusiveAccess"];
const PROJECT_FIELDS = [...fieldsOf(projectSpec), "exclusiveAccess"];

export function summarizeChanges(preview: Preview, directory: Directory = EMPTY_DIRECTORY): Changes {
  const resources = dedupe([...before(preview), ...after(preview)]);
  // Organizations of other stacks, as the backend holds them: a key's expiry and the guardrails depend on their settings.
  const external = externalOrganizations(resources, directory);
  const withExternal = (m: TenancyModel) => ({ ...m, organizations: [...m.organizations, ...external] });
  const old = withExternal(buildModel(before(preview)));
  const neu = withExternal(buildModel(after(preview)));
  // Names from both sides: a membership of a project deleted in this preview is still named.
  const all = withExternal(buildModel(resources));
  const ix = indexModel(all);
  // The backend id behind a reference: the referenced resource's id, or the id the program passed.
  const ids = new Map(resources.filter((r) => r.id).map((r) => [r.urn, r.id!]));
  const idOf = (ref?: string) => (ref?.startsWith("id:") ? ref.slice(3) : ref ? ids.get(ref) : undefined);
  // A reference the preview does not resolve: the logical name of the URN it came from, or the id.
  const fallback = (ref?: string) => (ref?.startsWith("urn:") ? nameOfUrn(ref) : (ref ?? "?").replace(/^id:/, ""));
  const named = (resolved: Resolved | undefined, programName: string) => (resolved ? labelOf(resolved) : programName);
  const projectLabel = (urn?: string) => named(directory.project(idOf(urn) ?? ""), ix.project(urn)?.name ?? fallback(urn));
  const orgLabel = (urn?: string) => named(directory.organization(idOf(urn) ?? ""), ix.organization(urn)?.name ?? fallback(urn));
  const where = (m: { orgUrn?: string; projectUrn?: string }) => (m.projectUrn ? `project ${projectLabel(m.projectUrn)}` : `organization ${orgLabel(m.orgUrn)}`);
  // The user a membership grants, once it exists: its id is `org/[project/]user`.
  const whoOf = (m: { urn: string; email: string }) => {
    const user = ids.get(m.urn)?.split("/").pop();
    const resolved = user?.startsWith("user_") ? directory.user(user) : undefined;
    return resolved ? (m.email.startsWith("service account ") && resolved.found ? `${m.email} (${resolved.id})` : labelOf(resolved)) : m.email;
  };
  const memberOf = (model: TenancyModel, urn: string) => model.memberships.find((m) => m.urn === urn);
  const keyOf = (model: TenancyModel, urn: string) => model.keys.find((k) => k.urn === urn);

  const changes: Changes = { access: [], keys: [], projects: [], organizations: [], others: [], after: neu };
  for (const s of preview.steps) {
    if (s.op === "same" || s.op === "read") continue;
    const identity = identify(s.new ?? s.old ?? { type: s.type });
    const kind = identity.kind;
    if (kind === "Membership" || kind === "ServiceAccount") {
      const [o, n] = [memberOf(old, s.urn), memberOf(neu, s.urn)];
      const entry = (m: NonNullable<typeof o>, change: AccessChange["change"], fromRole?: string): AccessChange => ({
        who: whoOf(m),
        kind: m.kind,
        change,
        role: m.role,
        ...(fromRole ? { fromRole } : {}),
        where: where(m),
        scope: m.projectUrn ? "project" : "organization",
      });
      // An invitation: one pending (a new role sends it anew) or one that lapsed (the update sends it again).
      const invitation = kind === "Membership" && ["invited", "expired", "revoked"].includes(s.new?.status ?? s.old?.status ?? "");
      if (o && n && o.email === n.email && where(o) === where(n)) {
        if (invitation) changes.access.push(entry(n, "invited", o.role !== n.role ? o.role : undefined));
        else if (o.role !== n.role) changes.access.push(entry(n, "changes", o.role));
        // A service account's token rotates (new before old is revoked) when its triggers change.
        const triggers = changedFields(s.old?.props ?? {}, s.new?.props ?? {}, ["rotationTriggers"]);
        if (kind === "ServiceAccount" && triggers.length) {
          const detail = triggers.map((f) => `${f.field}: ${f.before} → ${f.after}`).join("; ");
          const overlapHours = overlapOf(s.new?.props);
          changes.keys.push({ change: "rotated", name: `token of ${n.email} (${where(n)})`, project: "", owner: n.email, permissions: n.role, expiry: "–", detail, overlapHours });
        }
      } else {
        if (o && !(invitation && s.old?.status !== "invited")) changes.access.push(entry(o, "loses"));
        if (n) changes.access.push(entry(n, s.new?.status === "invited" ? "invited" : "gains"));
      }
    } else if (kind === "ApiKey") {
      const orgMax = (urn?: string) => orgMaxLifetime(ix, ix.project(urn)?.orgUrn ?? orgOfExternalProject(directory, idOf(urn)));
      keyChange(s, keyOf(old, s.urn), keyOf(neu, s.urn), projectLabel, orgMax, (urn) => ix.project(urn)?.environment ?? directory.project(idOf(urn) ?? "")?.environment, changes.keys);
    } else if (kind === "Project") {
      const change = { create: "created", delete: "archived", update: "updated", replace: "moved" }[s.op as string] as ObjectChange["change"] | undefined;
      const name = named(directory.project(s.old?.id ?? ""), describe(s.new?.props.name ?? s.old?.props.name ?? nameOfUrn(s.urn)));
      const fields = change === "created" || change === "archived" ? [] : changedFields(s.old?.props ?? {}, s.new?.props ?? {}, PROJECT_FIELDS);
      // An update that only removes undeclared access is told as the access it removes.
      if (change && !(undeclaredRemoved(s, `project ${name}`, changes) && fields.length === 0)) changes.projects.push({ change, name, fields });
    } else if (kind === "Organization") {
      const change = { create: "created", delete: "deleted", update: "updated", replace: "updated" }[s.op as string] as ObjectChange["change"] | undefined;
      const name = named(directory.organization(s.old?.id ?? ""), describe(s.new?.props.name ?? s.old?.props.name ?? nameOfUrn(s.urn)));
      const fields = changedFields(s.op === "create" ? {} : s.old?.props ?? {}, s.op === "delete" ? {} : s.new?.props ?? {}, ORG_FIELDS);
      if (change && !(undeclaredRemoved(s, `organization ${name}`, changes) && fields.length === 0)) changes.organizations.push({ change, name, fields });
    } else if (!s.type.startsWith("pulumi:") && !COMPONENT_TYPES.includes(s.type)) {
      // tenancy's own components (ProjectSet) grant nothing themselves: their children, the
      // resources above, are what the review describes. A type this review does not know: named and counted, its inputs never printed.
      changes.others.push({ op: s.op === "other" ? "changes" : s.op, type: s.type, name: nameOfUrn(s.urn) });
      // One that imitates tenancy's or runs its provider is a finding, also when it is deleted.
      if (identity.unreviewed && !neu.unreviewed.some((u) => u.urn === s.urn)) {
        neu.unreviewed.push({ urn: s.urn, type: s.type, name: nameOfUrn(s.urn), reason: identity.unreviewed });
      }
    }
  }
  return changes;
}

/**
 * The lifetime a key without `expiresInDays` gets from its project's organization: its
 * `apiKeyMaxLifetimeDays`, "none" when the organization sets none, undefined when the
 * organization is neither in the preview nor read from the backend.
 */
function orgMaxLifetime(ix: ReturnType<typeof indexModel>, orgUrn?: string): number | "none" | undefined {
  const org = ix.organization(orgUrn);
  if (!org) return undefined;
  const max = org.settings.apiKeyMaxLifetimeDays;
  return typeof max === "number" ? max : "none";
}

function keyChange(
  s: Step,
  o: TenancyModel["keys"][number] | undefined,
  n: TenancyModel["keys"][number] | undefined,
  projectName: (urn?: string) => string,
  orgMax: (projectUrn?: string) => number | "none" | undefined,
  environment: (projectUrn?: string) => string | undefined,
  out: KeyChange[],
): void {
  const k = n ?? o;
  if (!k) return;
  // The expiry as it will be: the backend gives a key without one its organization's maximum.
  const expiry = (key: typeof k) => {
    if (key.expiresInDays !== undefined) return `${describe(key.expiresInDays)} days`;
    const max = orgMax(key.projectUrn);
    return max === "none" ? "never" : max === undefined ? "the organization's maximum, if it sets one (not in this stack)" : `${max} days (organization maximum)`;
  };
  const base = { name: k.name, project: projectName(k.projectUrn), owner: k.owner ?? "–", permissions: k.permissions, expiry: expiry(k), ...(environment(k.projectUrn) ? { environment: environment(k.projectUrn) } : {}) };
  if (s.op === "create") out.push({ change: "created", ...base });
  else if (s.op === "delete") out.push({ change: "revoked", ...base });
  else if (s.op === "replace" && o && n) {
    const fields = changedFields(s.old?.props ?? {}, s.new?.props ?? {}, ["owner", "permissions", "expiresInDays", "rotationTriggers", "projectId"]);
    const detail = fields.map((f) => `${f.field}: ${f.before} → ${f.after}`).join("; ") || `replaced (${s.replaceReasons.join(", ") || "no reason given"})`;
    // The replaced key is deleted with its own (old) inputs: its overlap is the old one's.
    out.push({ change: "rotated", ...base, detail, overlapHours: overlapOf(s.old?.props) });
  } else if (s.op === "update" && o && n && o.name !== n.name) out.push({ change: "renamed", ...base, detail: `name: ${o.name} → ${n.name}` });
}

/**
 * Access no resource declares that the update takes away (`exclusiveAccess`, provider/access/):
 * what a refresh recorded in the old state as `undeclaredAccess`. Each person is named as losing
 * access (an invitee, the role their pending invitation grants); a key is retired by the rotation overlap. True when there was any.
 */
function undeclaredRemoved(s: Step, where: string, changes: Changes): boolean {
  const removed = s.op === "update" && s.new?.props.exclusiveAccess === true ? s.old?.props[UNDECLARED] : undefined;
  if (!Array.isArray(removed) || removed.length === 0) return false;
  for (const a of removed as Access[]) {
    const detail = `granted outside the stack; valid until ${DEFAULT_OVERLAP_HOURS} h after the up`;
    if (a.kind === "apiKey") changes.keys.push({ change: "revoked", name: a.who, project: where.replace(/^project /, ""), owner: "–", permissions: a.role, expiry: "–", detail });
    else changes.access.push({ who: a.who, kind: a.kind === "serviceAccount" ? "serviceAccount" : "person", change: "loses", role: a.kind === "invitation" ? `${a.role} (pending invitation)` : a.role, where, scope: a.projectId ? "project" : "organization" });
  }
  return true;
}

/** `rotationOverlapHours` as the provider applies it (provider/overlap.ts), from a step's props. */
function overlapOf(props: Record<string, unknown> | undefined): number {
  const hours = props?.rotationOverlapHours;
  return typeof hours === "number" ? hours : DEFAULT_OVERLAP_HOURS;
}

/** The `id:` reference of the organization of a project the stack does not declare. */
function orgOfExternalProject(directory: Directory, projectId?: string): string | undefined {
  const orgId = projectId ? directory.project(projectId)?.organizationId : undefined;
  return orgId ? `id:${orgId}` : undefined;
}

function dedupe(resources: ResourceInput[]): ResourceInput[] {
  return [...new Map(resources.map((r) => [r.urn, r])).values()];
}
