import * as pulumi from "@pulumi/pulumi";
import * as tenancy from "pulumi-tenancy";

type Environment = "development" | "staging" | "production";

/**
 * A `dev`, `staging` or `prod` stack: one environment of the team's ProjectSet, in the
 * organization of the `org` stack (config `orgStack`, default the `org` stack of this project).
 */
export async function deployEnvironment() {
  const config = new pulumi.Config();
  const orgStack = config.get("orgStack") ?? `${pulumi.getOrganization()}/${pulumi.getProject()}/org`;
  const org = new pulumi.StackReference(orgStack);
  // The people are plain values the component needs while the program runs, not later outputs.
  const read = async (name: string): Promise<string> => {
    const { value } = await org.getOutputDetails(name);
    if (typeof value !== "string") throw new pulumi.RunError(`stack ${orgStack} has no output "${name}": deploy the org stack first`);
    return value;
  };
  const environment = config.require("environment") as Environment;
  const team = await read("team");
  const set = new tenancy.ProjectSet(team, {
    organizationId: org.requireOutput("organizationId") as pulumi.Output<string>,
    team,
    workload: "chat",
    owner: await read("owner"),
    keyOwner: await read("keyOwner"),
    escalationContact: await read("escalationContact"),
    // One object, not a key per number: \`pulumi stack init\` rewrites a checked-in Pulumi.<stack>.yaml
    // and turns a plain number (4000) into a string ("4000"); the values of an object keep their types.
    environments: { [environment]: config.getObject<tenancy.ProjectSetEnvironment>("project") ?? {} },
  });
  return {
    projectId: set.projectIds.apply((ids) => ids[environment]),
    /** This environment's key, a Pulumi secret: `pulumi stack output key --show-secrets`. */
    key: set.secrets.apply((s) => s[`${environment}/${team}`]),
  };
}
