import { fold, sameEmail } from "./fold";
import { indexModel, KeyModel, ProjectModel, TenancyModel } from "./model";

/**
 * The seed's anti-patterns and launch checklist as rules over a tenancy layout. One rule set:
 * `tenancy review` runs it on the layout a preview leads to, the CrossGuard policy pack on the
 * resources the engine hands it. Each finding names the object and says what to change.
 */

/** `mandatory` blocks (policy pack: mandatory); `warning` informs (policy pack: advisory). */
export type Severity = "mandatory" | "warning";

export interface Finding {
  rule: RuleName;
  severity: Severity;
  /** What it is about, by name: `project chat-prod`, `organization Acme`. */
  subject: string;
  /** The resource it is about, for the policy pack to attach the violation to. */
  urn?: string;
  message: string;
  /** What to change. */
  fix: string;
}

export interface GuardrailOptions {
  /** More organization admins than this is a finding (default 3). */
  maxAdmins?: number;
  /** A larger share of admins among an organization's members is a finding (default 0.5), from `minMembersForShare` members on (default 4). */
  maxAdminShare?: number;
  minMembersForShare?: number;
}

export const RULES = {
  "shared-production-key": { severity: "mandatory", description: "One production key shared across projects or owners: hard to rotate, audit, or attribute usage." },
  "dev-and-prod-mixed": { severity: "mandatory", description: "Development experiments and production workloads in one project: test spikes consume production limits or hide incidents." },
  "too-many-admins": { severity: "warning", description: "Too many organization admins: key, billing and member changes become hard to govern." },
  "owner-without-membership": { severity: "mandatory", description: "A project whose `owner` holds no owner membership of it: the accountable person cannot manage it." },
  "production-launch-checklist": { severity: "mandatory", description: "A production project without limits, budget, escalation contact or key expiry." },
  "key-owner-not-member": { severity: "mandatory", description: "An API key whose owner is not a member of its project." },
  "unreviewed-access": { severity: "mandatory", description: "A resource that imitates tenancy's or runs tenancy's provider code under another type: it can change access without being reviewed." },
  "reference-mismatch": { severity: "mandatory", description: "An id input whose value disagrees with the resource the program derived it from: the review would name another object than the backend acts on." },
  // Rules about a change, not a layout: only `tenancy review` sees what a preview changes.
  "org-admin-granted": { severity: "warning", description: "Someone (a person or a service account) becomes an organization admin.", reviewOnly: true },
  "production-key-all-permissions": { severity: "warning", description: "A production API key created or rotated with permissions: all.", reviewOnly: true },
  "security-policy-loosened": { severity: "warning", description: "An organization setting or security policy becomes less strict.", reviewOnly: true },
  "provider-config-changed": { severity: "mandatory", description: "The stack's tenancy:endpoint or tenancy:token changes: the next up sends the deploy token elsewhere, or runs as someone else.", reviewOnly: true },
} as const satisfies Record<string, { severity: Severity; description: string; reviewOnly?: true }>;

export type RuleName = keyof typeof RULES;
/** The rules over a layout, which the policy pack runs too. */
export type LayoutRuleName = { [K in RuleName]: (typeof RULES)[K] extends { reviewOnly: true } ? never : K }[RuleName];
export const LAYOUT_RULES = (Object.keys(RULES) as RuleName[]).filter((r): r is LayoutRuleName => !("reviewOnly" in RULES[r]));

/** The rules about one resource at a time: the ones a preview of only the changed resources can run. */
export const PARTIAL_RULES: readonly LayoutRuleName[] = ["dev-and-prod-mixed", "production-launch-checklist", "unreviewed-access", "reference-mismatch"];

const DEV_WORDS = /(^|[^a-z])(dev|develop|development|test|testing|sandbox|experiment|experiments|scratch|playground|local|staging)([^a-z]|$)/i;
const PROD_WORDS = /(^|[^a-z])(prod|production|live)([^a-z]|$)/i;

const isProduction = (p: ProjectModel) => p.environment === "production";
const projectLabel = (p: ProjectModel) => `project ${p.name}`;
const keyLabel = (k: KeyModel, p?: ProjectModel) => `key ${p ? `${p.name}/` : ""}${k.name}`;

type Rule = (model: TenancyModel, options: Required<GuardrailOptions>) => Omit<Finding, "rule" | "severity">[];

const rules: Record<LayoutRuleName, Rule> = {
  "shared-production-key": (model) => {
    const ix = indexModel(model);
    const out: Omit<Finding, "rule" | "severity">[] = [];
    // Across projects: one person holding the production keys of several teams' projects.
    const prodKeysByOwner = new Map<string, { owner: string; projects: ProjectModel[] }>();
    for (const k of model.keys) {
      const p = ix.project(k.projectUrn);
      if (!p || !isProduction(p) || !k.owner) continue;
      // One person to the backend, however the program spells the email.
      const entry = prodKeysByOwner.get(fold(k.owner)) ?? { owner: k.owner, projects: [] };
      if (!entry.projects.includes(p)) entry.projects.push(p);
      prodKeysByOwner.set(fold(k.owner), entry);
    }
    for (const { owner, projects } of prodKeysByOwner.values()) {
      const teams = new Set(projects.map((p) => fold(p.team ?? p.name)));
      if (teams.size < 2) continue;
      out.push({
        subject: `key owner ${owner}`,
        message: `${owner} owns the production keys of ${projects.map((p) => p.name).join(", ")} (${teams.size} teams): one person's keys serve every team`,
        fix: `give each production project its own key owner from its team (set the keys' owner and the project's keyOwner)`,
      });
    }
    // Across owners: a production key held by someone other than the project's declared key owner.
    for (const p of model.projects.filter(isProduction)) {
      for (const k of ix.keysOf(p.urn)) {
        if (p.keyOwner && k.owner && !sameEmail(k.owner, p.keyOwner)) {
          out.push({
            subject: keyLabel(k, p), urn: k.urn,
            message: `production key ${k.name} is owned by ${k.owner}, but project ${p.name} names ${p.keyOwner} as its key owner`,
            fix: `make ${p.keyOwner} the key's owner, or change the project's keyOwner to ${k.owner}`,
          });
        }
      }
    }
    return out;
  },

  "dev-and-prod-mixed": (model) => {
    const ix = indexModel(model);
    const out: Omit<Finding, "rule" | "severity">[] = [];
    for (const p of model.projects) {
      // Read as a person reads them: a Cyrillic е in chat-dеv is still "dev".
      const words = fold([p.name, ...Object.values(p.labels ?? {})].join(" "));
      if (isProduction(p) && DEV_WORDS.test(words)) {
        out.push({ subject: projectLabel(p), urn: p.urn, message: `production project ${p.name} is named or labelled for development work`, fix: `move development work to its own project with environment: development` });
      } else if (p.environment === "development" && PROD_WORDS.test(words)) {
        out.push({ subject: projectLabel(p), urn: p.urn, message: `development project ${p.name} is named or labelled for production`, fix: `run production in its own project with environment: production` });
      }
      if (!isProduction(p)) continue;
      for (const k of ix.keysOf(p.urn).filter((k) => DEV_WORDS.test(fold(k.name)))) {
        out.push({ subject: keyLabel(k, p), urn: k.urn, message: `production project ${p.name} has a development key ${k.name}`, fix: `create ${k.name} in a development project instead` });
      }
    }
    return out;
  },

  "too-many-admins": (model, o) => {
    const ix = indexModel(model);
    const out: Omit<Finding, "rule" | "severity">[] = [];
    for (const org of model.organizations) {
      const members = ix.orgMembers(org.urn);
      const admins = members.filter((m) => m.role === "admin");
      const share = members.length ? admins.length / members.length : 0;
      const tooMany = admins.length > o.maxAdmins;
      const tooLarge = members.length >= o.minMembersForShare && share > o.maxAdminShare;
      if (!tooMany && !tooLarge) continue;
      out.push({
        subject: `organization ${org.name}`, urn: org.urn,
        message: `${admins.length} of ${members.length} members are admins (${admins.map((m) => m.email).join(", ")}); the limit is ${o.maxAdmins} admins or ${Math.round(o.maxAdminShare * 100)}% of members`,
        fix: `give members the member or billing role and project roles for their work; keep admin for the few who govern keys, billing and members`,
      });
    }
    return out;
  },

  "owner-without-membership": (model) => {
    const ix = indexModel(model);
    return model.projects
      .filter((p) => p.owner && !ix.projectMembers(p.urn).some((m) => sameEmail(m.email, p.owner) && m.role === "owner"))
      .map((p) => ({
        subject: projectLabel(p), urn: p.urn,
        message: `project ${p.name} names ${p.owner} as its owner, but ${p.owner} holds no owner membership of it`,
        fix: `add a Membership { projectId: ${p.name}, email: ${p.owner}, role: owner }, or change the project's owner`,
      }));
  },

  "production-launch-checklist": (model) => {
    const ix = indexModel(model);
    const out: Omit<Finding, "rule" | "severity">[] = [];
    for (const p of model.projects.filter(isProduction)) {
      const org = ix.organization(p.orgUrn);
      const missing: [what: string, field: string][] = [];
      if (p.limits.requestsPerMinute === undefined && p.limits.tokensPerMinute === undefined) missing.push(["rate limits", "limits.requestsPerMinute or limits.tokensPerMinute"]);
      if (p.limits.monthlyBudgetUsd === undefined) missing.push(["monthly budget", "limits.monthlyBudgetUsd"]);
      if (!p.escalationContact) missing.push(["escalation contact", "escalationContact"]);
      if (missing.length) {
        out.push({ subject: projectLabel(p), urn: p.urn, message: `production project ${p.name} has no ${missing.map((m) => m[0]).join(", no ")}`, fix: `set ${missing.map((m) => m[1]).join("; ")} on the project` });
      }
      const orgMax = org?.settings.apiKeyMaxLifetimeDays;
      for (const k of ix.keysOf(p.urn).filter((k) => k.expiresInDays === undefined && org !== undefined && orgMax === undefined)) {
        out.push({ subject: keyLabel(k, p), urn: k.urn, message: `production key ${k.name} never expires`, fix: `set expiresInDays on the key (and rotationTriggers to rotate it), or apiKeyMaxLifetimeDays on the organization` });
      }
    }
    return out;
  },

  "key-owner-not-member": (model) => {
    const ix = indexModel(model);
    return model.keys
      .filter((k) => k.projectUrn && !(k.owner && ix.projectMembers(k.projectUrn).some((m) => sameEmail(m.email, k.owner))))
      .map((k) => {
        const p = ix.project(k.projectUrn);
        const where = p ? `project ${p.name}` : "its project";
        return {
          subject: keyLabel(k, p), urn: k.urn,
          message: k.owner ? `key ${k.name} is owned by ${k.owner}, who is not a member of ${where}` : `key ${k.name} has no owner`,
          fix: k.owner ? `add a Membership of ${k.owner} to ${where}, or give the key an owner who is a member` : `set the key's owner to a member of ${where}`,
        };
      });
  },

  "reference-mismatch": (model) =>
    model.mismatches.map((m) => ({
      subject: `resource ${m.name}`,
      urn: m.urn,
      message: `${m.name}: ${m.message}`,
      fix: `pass the resource's own id (${m.field}: <resource>.id), not a value computed from another resource's output`,
    })),

  "unreviewed-access": (model) =>
    model.unreviewed.map((r) => ({
      subject: `resource ${r.name}`,
      urn: r.urn,
      message: `a resource can change access without being reviewed: ${r.name} (${r.type}), because ${r.reason}`,
      fix: "declare access only with pulumi-tenancy's resource classes (Organization, Project, Membership, ApiKey, ServiceAccount), or remove this resource",
    })),
};

export const DEFAULT_OPTIONS: Required<GuardrailOptions> = { maxAdmins: 3, maxAdminShare: 0.5, minMembersForShare: 4 };

/** Every finding of the chosen rules (all by default), most severe first, then by rule and subject. */
export function evaluate(model: TenancyModel, options: GuardrailOptions = {}, only: readonly LayoutRuleName[] = LAYOUT_RULES): Finding[] {
  const o = { ...DEFAULT_OPTIONS, ...stripUndefined(options) };
  const findings = only.flatMap((rule) => rules[rule](model, o).map((f) => ({ rule, severity: RULES[rule].severity as Severity, ...f })));
  return sortFindings(findings);
}

/** Most severe first, then by rule and subject. */
export function sortFindings(findings: Finding[]): Finding[] {
  const rank = (s: Severity) => (s === "mandatory" ? 0 : 1);
  return findings.sort((a, b) => rank(a.severity) - rank(b.severity) || a.rule.localeCompare(b.rule) || a.subject.localeCompare(b.subject));
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
