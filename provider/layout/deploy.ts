import * as pulumi from "@pulumi/pulumi";
import { ApiKey } from "../api-key";
import { Membership } from "../membership";
import { Organization } from "../organization";
import { Project } from "../project";
import { ServiceAccount } from "../service-account";
import { Layout } from "./schema";
import { describeLimits } from "../../schema/usage";

/**
 * Turns a validated layout into resources. Logical names follow the file, so a reviewer can map
 * a preview line back to it: the organization by name, `member:EMAIL`, the project by name,
 * `PROJECT:member:EMAIL`, `PROJECT:key:NAME`. A project membership waits for the organization
 * membership it needs, a key for its owner's project membership.
 */
export interface DeployedLayout {
  organization: Organization;
  projects: Record<string, Project>;
  keys: Record<string, ApiKey>;
  /** The `serviceAccounts:` entries by name. */
  serviceAccounts: Record<string, ServiceAccount>;
  /** The layout as a table a person reads; keys appear by their redacted value only. */
  table: pulumi.Output<string>;
  /** Every key's secret by `PROJECT/KEY`, as one Pulumi secret. */
  secrets: pulumi.Output<Record<string, string>>;
}

export function deployLayout(layout: Layout, opts: pulumi.CustomResourceOptions = {}): DeployedLayout {
  const { organization: orgArgs } = layout;
  // The logical names an entry had before `renamedFrom`: each an alias, so the object stays and is renamed.
  const was = (names: string[]): pulumi.CustomResourceOptions => (names.length === 0 ? opts : { ...opts, aliases: [...(opts.aliases ?? []), ...names.map((n) => ({ name: n }))] });
  const org = new Organization(
    orgArgs.name,
    { name: orgArgs.name, billing: orgArgs.billing, settings: orgArgs.settings, securityPolicy: orgArgs.securityPolicy, exclusiveAccess: orgArgs.exclusiveAccess },
    was(orgArgs.renamedFrom ? [orgArgs.renamedFrom] : []),
  );
  const orgMembers = new Map<string, Membership>();
  for (const m of layout.members) {
    orgMembers.set(m.email, new Membership(`member:${m.email}`, { organizationId: org.id, email: m.email, role: m.role, adopt: m.adopt }, opts));
  }

  const serviceAccounts: Record<string, ServiceAccount> = {};
  for (const { externalId: _, ...a } of layout.serviceAccounts) {
    serviceAccounts[a.name] = new ServiceAccount(`serviceAccount:${a.name}`, { ...a, organizationId: org.id }, opts);
  }

  const projects: Record<string, Project> = {};
  const keys: Record<string, ApiKey> = {};
  const rows: pulumi.Output<string[]>[] = [];
  for (const { members, keys: keyList, externalId: _, renamedFrom, ...fields } of layout.projects) {
    // The organization's `exclusiveAccess` holds for its projects too, unless a project says otherwise.
    const exclusiveAccess = fields.exclusiveAccess ?? orgArgs.exclusiveAccess;
    const project = new Project(fields.name, { ...fields, exclusiveAccess, organizationId: org.id }, was(renamedFrom ? [renamedFrom] : []));
    // A renamed project's members and keys were named after its old name.
    const projectNames = renamedFrom ? [fields.name, renamedFrom] : [fields.name];
    projects[fields.name] = project;
    const projectMembers = new Map<string, Membership>();
    for (const m of members) {
      const dependsOn = orgMembers.get(m.email);
      projectMembers.set(
        m.email,
        new Membership(
          `${fields.name}:member:${m.email}`,
          { organizationId: org.id, projectId: project.id, email: m.email, role: m.role, adopt: m.adopt },
          { ...was(projectNames.slice(1).map((p) => `${p}:member:${m.email}`)), dependsOn },
        ),
      );
    }
    const redacted: pulumi.Output<string>[] = [];
    for (const { externalId: __, renamedFrom: keyWas, ...k } of keyList) {
      const dependsOn = projectMembers.get(k.owner);
      const keyNames = keyWas ? [k.name, keyWas] : [k.name];
      const former = projectNames.flatMap((p) => keyNames.map((n) => `${p}:key:${n}`)).slice(1);
      const key = new ApiKey(`${fields.name}:key:${k.name}`, { ...k, projectId: project.id }, { ...was(former), dependsOn });
      keys[`${fields.name}/${k.name}`] = key;
      redacted.push(pulumi.interpolate`${k.name} (${key.redactedValue})`);
    }
    rows.push(pulumi.all(redacted).apply((ks) => [fields.name, fields.environment, fields.owner ?? "-", fields.keyOwner ?? "-", describeLimits(fields.limits), ks.join(", ") || "-"]));
  }

  const table = pulumi.all(rows).apply((r) => formatTable(["project", "environment", "owner", "key owner", "limits", "keys"], r));
  const secrets = pulumi.secret(pulumi.all(Object.fromEntries(Object.entries(keys).map(([name, key]) => [name, key.secret]))));
  return { organization: org, projects, keys, serviceAccounts, table, secrets };
}

/** A plain-text table with aligned columns and a rule under the header. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}
