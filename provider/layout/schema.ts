import { z } from "zod";
import { name, orgMemberInput, projectMemberInput } from "../../schema";
import { apiKeySpec } from "../api-key";
import { membershipSpec } from "../membership";
import { organizationSpec } from "../organization";
import { projectSpec } from "../project";
import { serviceAccountSpec } from "../service-account";
import { emailDomainProblem, keyLifetimeProblem, ownerMembershipProblem } from "../rules-precheck";

/**
 * The `tenancy.yaml` document: one organization, its members, and its projects with their
 * members and keys. Composed from the resources' specs, so a field and its rules hold in the file
 * exactly as in the provider and the API; the checks across entries (a project member must be an organization member, a key owner a
 * member of the project, a member's domain and a key's lifetime within the organization's settings, names unique as the backend
 * compares them: NFC-normalised and trimmed, emails lowercased) are the ones the backend would refuse halfway through an apply,
 * reported here, before anything changes, with a line. A project's owner must also hold its owner membership (a mandatory guardrail).
 */

/**
 * `renamedFrom`: the name an entry had, on an organization, project or key being renamed. Its
 * resource is named after the entry, so a new name alone would make a new object and delete the
 * old one (a new organization, an archived project, a revoked key); with this the resource keeps
 * its identity (a Pulumi alias) and the name changes in place. Harmless once applied.
 */
const renamable = { renamedFrom: name.optional() };

// Each entry is its resource's spec without the parents' ids, which the nesting says.
export const layoutMember = membershipSpec.layoutEntry(orgMemberInput);
export const layoutProjectMember = membershipSpec.layoutEntry(projectMemberInput);
export const layoutKey = apiKeySpec.layoutEntry().safeExtend(renamable);
/** `serviceAccounts:` entries: name, role (admin | billing | member | viewer), rotationTriggers? (a change rotates the token). */
export const layoutServiceAccount = serviceAccountSpec.layoutEntry();
export const layoutProject = projectSpec.layoutEntry().safeExtend({
  ...renamable,
  members: z.array(layoutProjectMember).default([]),
  keys: z.array(layoutKey).default([]),
});

export const layoutSchema = z
  .strictObject({
    organization: organizationSpec.layoutEntry().safeExtend(renamable),
    members: z.array(layoutMember).default([]),
    serviceAccounts: z.array(layoutServiceAccount).default([]),
    projects: z.array(layoutProject).default([]),
  })
  .superRefine((layout, ctx) => {
    const orgMembers = new Set(layout.members.map((m) => m.email));
    const { allowedEmailDomains = [], apiKeyMaxLifetimeDays } = layout.organization.settings ?? {};
    const problem = (path: (string | number)[], message: string | undefined) => message && ctx.addIssue({ code: "custom", path, message });
    layout.members.forEach((m, i) => problem(["members", i, "email"], emailDomainProblem(m.email, allowedEmailDomains)));
    duplicates(layout.members.map((m) => m.email), (i) => ctx.addIssue({ code: "custom", path: ["members", i, "email"], message: "is listed twice" }));
    duplicates(layout.serviceAccounts.map((a) => a.name), (i) => ctx.addIssue({ code: "custom", path: ["serviceAccounts", i, "name"], message: "is used by two service accounts" }));
    duplicates(layout.projects.map((p) => p.name), (i) => ctx.addIssue({ code: "custom", path: ["projects", i, "name"], message: "is used by two projects" }));
    const renames = (entries: { name: string; renamedFrom?: string }[], path: (i: number) => (string | number)[], what: string) => {
      const names = new Set(entries.map((e) => e.name));
      entries.forEach((e, i) => {
        if (e.renamedFrom === undefined) return;
        const message = e.renamedFrom === e.name ? "is the entry's name already; leave it out" : names.has(e.renamedFrom) ? `is the name of another ${what} in this file` : undefined;
        if (message) ctx.addIssue({ code: "custom", path: [...path(i), "renamedFrom"], message });
      });
    };
    renames([layout.organization], () => ["organization"], "organization");
    renames(layout.projects, (i) => ["projects", i], "project");
    layout.projects.forEach((p, pi) => {
      const projectMembers = new Set(p.members.map((m) => m.email));
      problem(["projects", pi, "owner"], ownerMembershipProblem(p.owner, p.members));
      p.members.forEach((m, mi) => {
        if (!orgMembers.has(m.email)) {
          ctx.addIssue({ code: "custom", path: ["projects", pi, "members", mi, "email"], message: `${m.email} must first be listed under the organization's members` });
        }
      });
      duplicates(p.members.map((m) => m.email), (i) => ctx.addIssue({ code: "custom", path: ["projects", pi, "members", i, "email"], message: "is listed twice" }));
      duplicates(p.keys.map((k) => k.name), (i) => ctx.addIssue({ code: "custom", path: ["projects", pi, "keys", i, "name"], message: "is used by two keys of this project" }));
      renames(p.keys, (i) => ["projects", pi, "keys", i], "key of this project");
      p.keys.forEach((k, ki) => {
        problem(["projects", pi, "keys", ki, "expiresInDays"], keyLifetimeProblem(k.expiresInDays, apiKeyMaxLifetimeDays));
        if (!projectMembers.has(k.owner)) {
          ctx.addIssue({ code: "custom", path: ["projects", pi, "keys", ki, "owner"], message: `${k.owner} must be listed under this project's members to own a key` });
        }
      });
    });
  });

export type Layout = z.infer<typeof layoutSchema>;
export type LayoutProject = z.infer<typeof layoutProject>;

/** Reports each value seen before it in the list; one pass, so 80,000 members stay linear. */
function duplicates(values: string[], report: (index: number) => void): void {
  const seen = new Set<string>();
  values.forEach((v, i) => {
    if (seen.has(v)) report(i);
    seen.add(v);
  });
}
