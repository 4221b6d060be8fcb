import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { ProjectRole, WORKLOADS } from "../../schema";
import { ApiKey } from "../api-key";
import { Membership } from "../membership";
import { Project } from "../project";

/**
 * One team's workload in development, staging and production, set up the same way every time:
 * a project per environment, the owner's `owner` membership in each, the key owner's membership,
 * one key per environment owned by the key owner, and limits per environment. Production gets
 * the launch checklist filled in and its own key: no key is ever shared across environments.
 *
 * ```ts
 * const chat = new tenancy.ProjectSet("chat", {
 *   organizationId: org.id, team: "support", workload: "chat",
 *   owner: "ben@acme.test", escalationContact: "oncall@acme.test",
 *   environments: { production: { expectedMonthlySpendUsd: 5000 } },
 * }, { dependsOn: [benInOrg] });
 * ```
 *
 * The owner, key owner and members must already be members of the organization: pass their
 * organization `Membership`s in `dependsOn` (they are handed on to the project memberships),
 * or, across stacks, deploy them in the stack this one reads through a `StackReference`.
 */

export const ENVIRONMENT_NAMES = ["development", "staging", "production"] as const;
export type EnvironmentName = (typeof ENVIRONMENT_NAMES)[number];

type Workload = (typeof WORKLOADS)[number];
type Limits = { requestsPerMinute?: number; tokensPerMinute?: number; monthlyBudgetUsd?: number };

/** A further member of a project: `member` to work in it, `viewer` to read it. */
export interface ProjectSetMember {
  email: string;
  role: Exclude<ProjectRole, "owner">;
}

/** A key of one environment; the key owner owns it unless `owner` names another project member. */
export interface ProjectSetKey {
  name: string;
  owner?: string;
  permissions?: "all" | "read_only";
  expiresInDays?: number;
  /** Any string map; a change rotates the key (the new one exists before the old is revoked). */
  rotationTriggers?: Record<string, string>;
}

/** What differs per environment; every field has a default (see `ENVIRONMENT_DEFAULTS`). */
export interface ProjectSetEnvironment {
  /** The project's name; default `<name>-dev`, `<name>-staging`, `<name>-prod`. */
  projectName?: string;
  /** Expected monthly spend in USD (the launch checklist); default 50 / 200, and required for production. */
  expectedMonthlySpendUsd?: number;
  /** Limits; default from `ENVIRONMENT_DEFAULTS`, production's budget 1.5 × its expected spend. */
  limits?: Limits;
  /** Members besides the owner and key owner. */
  members?: ProjectSetMember[];
  /** The environment's keys; default one key named `<name>` with the environment's expiry. */
  keys?: ProjectSetKey[];
  /** Days until the keys expire when a key does not say; default 30 / 30 / 90. */
  keyExpiresInDays?: number;
  /** Overrides the set's escalation contact for this environment. */
  escalationContact?: string;
}

/** The inputs of a `ProjectSet`. */
export interface ProjectSetArgs {
  organizationId: pulumi.Input<string>;
  /** The stem of the project names; default the resource's name. */
  name?: string;
  team?: string;
  workload?: Workload;
  description?: string;
  labels?: Record<string, string>;
  /** The accountable person (email): holds the `owner` membership of every project of the set. */
  owner: string;
  /** Who owns the keys (email); default the owner. Gets a `member` membership if not the owner. */
  keyOwner?: string;
  /** Who is paged when it breaks (email). */
  escalationContact: string;
  /**
   * The environments to create and their settings; default all three with the defaults. Name only
   * some to split environments across stacks (`{ staging: {} }` in the staging stack).
   */
  environments?: Partial<Record<EnvironmentName, ProjectSetEnvironment>>;
}

/** Defaults per environment: small limits and short-lived keys away from production. */
export const ENVIRONMENT_DEFAULTS: Record<EnvironmentName, { suffix: string; spend?: number; limits: Limits; keyExpiresInDays: number }> = {
  development: { suffix: "dev", spend: 50, limits: { requestsPerMinute: 60, monthlyBudgetUsd: 100 }, keyExpiresInDays: 30 },
  staging: { suffix: "staging", spend: 200, limits: { requestsPerMinute: 300, monthlyBudgetUsd: 300 }, keyExpiresInDays: 30 },
  production: { suffix: "prod", limits: { requestsPerMinute: 1000 }, keyExpiresInDays: 90 },
};

const email = z.email({ error: "must be an email address" });
const argsSchema = z.object({
  owner: email,
  keyOwner: email.optional(),
  escalationContact: email,
  environments: z.record(z.enum(ENVIRONMENT_NAMES, { error: `must be one of ${ENVIRONMENT_NAMES.join(", ")}` }), z.unknown()).optional(),
});

/** The projects, keys and memberships of one team's workload across its environments. */
export class ProjectSet extends pulumi.ComponentResource {
  /** The projects by environment. */
  readonly projects: Partial<Record<EnvironmentName, Project>> = {};
  /** The keys by `<environment>/<key name>`. */
  readonly keys: Record<string, ApiKey> = {};
  /** The project ids by environment. */
  readonly projectIds: pulumi.Output<Partial<Record<EnvironmentName, string>>>;
  /** Every key's secret by `<environment>/<key name>`, as one Pulumi secret. */
  readonly secrets: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: ProjectSetArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("tenancy:index:ProjectSet", name, {}, opts);
    assertValid(name, args);
    const stem = args.name ?? name;
    const keyOwner = args.keyOwner ?? args.owner;
    // The component's dependsOn (the organization memberships) is not inherited by children.
    const after = { parent: this, dependsOn: opts.dependsOn };

    for (const env of ENVIRONMENT_NAMES) {
      const settings = args.environments ? args.environments[env] : {};
      if (!settings) continue;
      const defaults = ENVIRONMENT_DEFAULTS[env];
      const projectName = settings.projectName ?? `${stem}-${defaults.suffix}`;
      const spend = settings.expectedMonthlySpendUsd ?? defaults.spend!;
      const project = new Project(
        projectName,
        {
          organizationId: args.organizationId,
          name: projectName,
          environment: env,
          team: args.team,
          workload: args.workload,
          description: args.description,
          labels: args.labels,
          owner: args.owner,
          keyOwner,
          escalationContact: settings.escalationContact ?? args.escalationContact,
          expectedMonthlySpendUsd: spend,
          limits: { ...defaults.limits, ...(env === "production" ? { monthlyBudgetUsd: Math.ceil(spend * 1.5) } : {}), ...settings.limits },
        },
        { parent: this },
      );
      this.projects[env] = project;

      const roles = new Map<string, ProjectRole>([[args.owner, "owner"]]);
      if (!roles.has(keyOwner)) roles.set(keyOwner, "member");
      for (const m of settings.members ?? []) if (!roles.has(m.email)) roles.set(m.email, m.role);
      const memberships = new Map<string, Membership>();
      for (const [email, role] of roles) {
        const m = new Membership(`${projectName}:member:${email}`, { organizationId: args.organizationId, projectId: project.id, email, role }, after);
        memberships.set(email, m);
      }

      for (const key of settings.keys ?? [{ name: stem }]) {
        const owner = key.owner ?? keyOwner;
        const dependsOn = memberships.get(owner);
        if (!dependsOn) throw new Error(`ProjectSet "${name}": key "${key.name}" of ${env} is owned by ${owner}, who is not a member of ${projectName}; add them to environments.${env}.members`);
        this.keys[`${env}/${key.name}`] = new ApiKey(
          `${projectName}:key:${key.name}`,
          {
            projectId: project.id,
            name: key.name,
            owner,
            permissions: key.permissions ?? "all",
            expiresInDays: key.expiresInDays ?? settings.keyExpiresInDays ?? defaults.keyExpiresInDays,
            rotationTriggers: key.rotationTriggers,
          },
          { parent: this, dependsOn },
        );
      }
    }

    this.projectIds = pulumi.all(Object.fromEntries(Object.entries(this.projects).map(([env, p]) => [env, p.id])));
    this.secrets = pulumi.secret(pulumi.all(Object.fromEntries(Object.entries(this.keys).map(([k, key]) => [k, key.secret]))));
    this.registerOutputs({ projectIds: this.projectIds, secrets: this.secrets });
  }
}

/** Fails the program, naming the argument, before any resource is registered. */
function assertValid(name: string, args: ProjectSetArgs): void {
  const result = argsSchema.safeParse(args);
  const problems = result.success ? [] : result.error.issues.map((i) => `${i.path.join(".")} ${i.message}`);
  const production = args.environments ? args.environments.production : {};
  if (production && production.expectedMonthlySpendUsd === undefined) {
    problems.push("environments.production.expectedMonthlySpendUsd is required (the launch checklist); or leave production out of this set");
  }
  if (problems.length > 0) throw new pulumi.RunError(`ProjectSet "${name}": ${problems.join("; ")}`);
}
