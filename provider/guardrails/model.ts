import { UNKNOWN } from "../inputs";
import { identify, Kind, KINDS } from "./identity";

/**
 * The tenancy layout a set of Pulumi resources describes, with every reference resolved to the
 * object it names, so the rules and the reports speak of "project chat-prod" and not of ids.
 * Built from a preview (the resources as they will be after it) or from the resources a policy
 * pack is handed: both give each resource's type, URN, inputs and the URNs its inputs came from.
 */

/** One resource as the engine describes it. */
export interface ResourceInput {
  urn: string;
  type: string;
  id?: string;
  /** The resource's inputs (or outputs, which carry the inputs for tenancy's resources). */
  props: Record<string, unknown>;
  /** For each input, the URNs of the resources its value came from (ids unknown in a preview). */
  propertyDependencies?: Record<string, string[]>;
  /** The serialized provider of a dynamic resource (its `__provider` input); absent for a component. */
  provider?: string;
  /**
   * Set only where the provider's code cannot be seen (a policy pack): whether the resource has
   * a provider at all. A preview's `__provider` is the stronger proof and leaves this unset.
   */
  custom?: boolean;
  /** A Membership's `status` output as the state holds it (`invited` while the person has no account). */
  status?: string;
}

export interface OrganizationModel {
  urn: string;
  name: string;
  settings: Record<string, unknown>;
  securityPolicy: Record<string, unknown>;
}

export interface ProjectModel {
  urn: string;
  orgUrn?: string;
  name: string;
  environment?: string;
  team?: string;
  workload?: string;
  owner?: string;
  keyOwner?: string;
  escalationContact?: string;
  expectedMonthlySpendUsd?: number;
  limits: { requestsPerMinute?: number; tokensPerMinute?: number; monthlyBudgetUsd?: number; allowedModels?: string[] };
  labels: Record<string, string>;
  description?: string;
}

export interface MembershipModel {
  urn: string;
  orgUrn?: string;
  /** Absent for an organization membership. */
  projectUrn?: string;
  email: string;
  role: string;
  /** `serviceAccount` for a ServiceAccount resource (an organization role held by CI). */
  kind: "person" | "serviceAccount";
}

export interface KeyModel {
  urn: string;
  projectUrn?: string;
  name: string;
  owner?: string;
  permissions: string;
  expiresInDays?: number;
  rotationTriggers?: Record<string, string>;
}

export interface TenancyModel {
  organizations: OrganizationModel[];
  projects: ProjectModel[];
  memberships: MembershipModel[];
  keys: KeyModel[];
  /** Resources of types the review does not know (other providers, newer tenancy kinds). */
  others: ResourceInput[];
  /** Resources that imitate tenancy's or run its provider code under another type: never reviewed. */
  unreviewed: UnreviewedResource[];
  /** References whose value disagrees with the resources it was derived from. */
  mismatches: ReferenceMismatch[];
}

export interface ReferenceMismatch {
  urn: string;
  name: string;
  field: string;
  message: string;
}

export interface UnreviewedResource {
  urn: string;
  type: string;
  name: string;
  reason: string;
}

/** The kind a type token claims (`pulumi-nodejs:dynamic/tenancy:Project`); see `identify` for what a resource is. */
export function kindOf(type: string): Kind | undefined {
  return KINDS.find((k) => type === `pulumi-nodejs:dynamic/tenancy:${k}`);
}

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === "number" ? v : undefined);
const obj = (v: unknown): Record<string, unknown> => (v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

export function buildModel(resources: readonly ResourceInput[]): TenancyModel {
  const byId = new Map<string, ResourceInput>();
  const kinds = new Map(resources.map((r) => [r.urn, identify(r).kind]));
  for (const r of resources) {
    const id = r.id ?? str(r.props.id);
    if (id) byId.set(id, r);
  }
  // What a URN is: what its resource was identified as; a URN the resources do not hold (a
  // preview without its unchanged resources), what its type claims.
  const kindOfUrn = (urn: string) => (kinds.has(urn) ? kinds.get(urn) : kindOf(typeOfUrn(urn)));
  // An input naming another resource: by the URN it depended on (ids are unknown in a preview
  // of new resources), else by its id.
  // An input naming another resource: by its value, the id the backend will act on, whenever the
  // preview knows it; only an id still unknown (a resource to be created) is taken from the URN
  // it depends on. A value that disagrees with its dependencies (an id routed through another
  // resource's output: `sandbox.id.apply(() => prodId)`), or an unknown value that depends on
  // several resources of the kind, is a finding: the program's claim is not what will happen.
  const ref = (r: ResourceInput, field: string, kind: Kind): string | undefined => {
    const deps = (r.propertyDependencies?.[field] ?? []).filter((u) => kindOfUrn(u) === kind);
    const id = str(r.props[field]);
    if (id && id !== UNKNOWN) {
      const target = byId.get(id);
      const named = target && kinds.get(target.urn) === kind ? target.urn : undefined;
      // A dependency outside these resources (a preview of only the changes) cannot be checked.
      const checkable = named !== undefined || deps.some((u) => kinds.has(u));
      if (deps.length && checkable && !deps.includes(named ?? "")) {
        mismatches.push({ urn: r.urn, name: nameOfUrn(r.urn), field, message: `${field} is ${named ? `${kind} ${nameOfUrn(named)}` : id}, but the program derived it from ${deps.map(nameOfUrn).join(", ")}` });
      }
      return named ?? (checkable ? `id:${id}` : (deps[0] ?? `id:${id}`));
    }
    if (deps.length > 1) mismatches.push({ urn: r.urn, name: nameOfUrn(r.urn), field, message: `${field} depends on ${deps.length} ${kind} resources (${deps.map(nameOfUrn).join(", ")}); which one it names is known only after apply` });
    return deps[0] ?? (id ? `id:${id}` : undefined);
  };
  const mismatches: ReferenceMismatch[] = [];

  const model: TenancyModel = { organizations: [], projects: [], memberships: [], keys: [], others: [], unreviewed: [], mismatches };
  for (const r of resources) {
    const p = r.props;
    const { kind, unreviewed } = identify(r);
    if (unreviewed) model.unreviewed.push({ urn: r.urn, type: r.type, name: nameOfUrn(r.urn), reason: unreviewed });
    switch (kind) {
      case "Organization":
        model.organizations.push({ urn: r.urn, name: str(p.name) ?? nameOfUrn(r.urn), settings: obj(p.settings), securityPolicy: obj(p.securityPolicy) });
        break;
      case "Project":
        model.projects.push({
          urn: r.urn,
          orgUrn: ref(r, "organizationId", "Organization"),
          name: str(p.name) ?? nameOfUrn(r.urn),
          environment: str(p.environment),
          team: str(p.team),
          workload: str(p.workload),
          owner: str(p.owner),
          keyOwner: str(p.keyOwner),
          escalationContact: str(p.escalationContact),
          expectedMonthlySpendUsd: num(p.expectedMonthlySpendUsd),
          limits: obj(p.limits) as ProjectModel["limits"],
          labels: obj(p.labels) as Record<string, string>,
          description: str(p.description),
        });
        break;
      case "Membership":
        model.memberships.push({
          urn: r.urn,
          orgUrn: ref(r, "organizationId", "Organization"),
          projectUrn: p.projectId === undefined || p.projectId === null ? undefined : ref(r, "projectId", "Project"),
          email: str(p.email) ?? nameOfUrn(r.urn),
          role: str(p.role) ?? "?",
          kind: "person",
        });
        break;
      case "ServiceAccount":
        model.memberships.push({
          urn: r.urn,
          orgUrn: ref(r, "organizationId", "Organization"),
          email: `service account ${str(p.name) ?? nameOfUrn(r.urn)}`,
          role: str(p.role) ?? "?",
          kind: "serviceAccount",
        });
        break;
      case "ApiKey":
        model.keys.push({
          urn: r.urn,
          projectUrn: ref(r, "projectId", "Project"),
          name: str(p.name) ?? nameOfUrn(r.urn),
          owner: str(p.owner),
          permissions: str(p.permissions) ?? "all",
          expiresInDays: num(p.expiresInDays),
          rotationTriggers: p.rotationTriggers ? (obj(p.rotationTriggers) as Record<string, string>) : undefined,
        });
        break;
      default:
        if (!unreviewed) model.others.push(r);
    }
  }
  return model;
}

/** `urn:pulumi:stack::project::type::name` → type (the last one, for children). */
export function typeOfUrn(urn: string): string {
  const parts = urn.split("::");
  return (parts[2] ?? "").split("$").pop() ?? "";
}

export function nameOfUrn(urn: string): string {
  return urn.slice(urn.lastIndexOf("::") + 2);
}

/** Lookups a report needs: a project or organization by URN, by name for people. */
export function indexModel(model: TenancyModel) {
  const projects = new Map(model.projects.map((p) => [p.urn, p]));
  const orgs = new Map(model.organizations.map((o) => [o.urn, o]));
  return {
    project: (urn?: string) => (urn ? projects.get(urn) : undefined),
    organization: (urn?: string) => (urn ? orgs.get(urn) : undefined),
    projectMembers: (urn: string) => model.memberships.filter((m) => m.projectUrn === urn),
    keysOf: (urn: string) => model.keys.filter((k) => k.projectUrn === urn),
    orgMembers: (urn?: string) => model.memberships.filter((m) => !m.projectUrn && (urn === undefined || m.orgUrn === urn)),
  };
}
