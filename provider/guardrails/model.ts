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
}

/** The kind of a tenancy resource from its type token (`pulumi-nodejs:dynamic/tenancy:Project`). */
export function kindOf(type: string): "Organization" | "Project" | "Membership" | "ApiKey" | "ServiceAccount" | undefined {
  const m = /^pulumi-nodejs:dynamic\/tenancy:(Organization|Project|Membership|ApiKey|ServiceAccount)$/.exec(type);
  return m ? (m[1] as ReturnType<typeof kindOf>) : undefined;
}

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === "number" ? v : undefined);
const obj = (v: unknown): Record<string, unknown> => (v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

export function buildModel(resources: readonly ResourceInput[]): TenancyModel {
  const byId = new Map<string, ResourceInput>();
  for (const r of resources) {
    const id = r.id ?? str(r.props.id);
    if (id) byId.set(id, r);
  }
  // An input naming another resource: by the URN it depended on (ids are unknown in a preview
  // of new resources), else by its id.
  const ref = (r: ResourceInput, field: string, kind: string): string | undefined => {
    const fromDeps = (r.propertyDependencies?.[field] ?? []).find((u) => kindOf(typeOfUrn(u)) === kind);
    if (fromDeps) return fromDeps;
    const id = str(r.props[field]);
    const target = id ? byId.get(id) : undefined;
    return target && kindOf(target.type) === kind ? target.urn : id ? `id:${id}` : undefined;
  };

  const model: TenancyModel = { organizations: [], projects: [], memberships: [], keys: [], others: [] };
  for (const r of resources) {
    const p = r.props;
    switch (kindOf(r.type)) {
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
        model.others.push(r);
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
