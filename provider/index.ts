/**
 * pulumi-tenancy: organizations, projects, memberships and API keys of the tenancy platform as
 * Pulumi resources, and the `tenancy.yaml` layout loader.
 *
 * ```ts
 * import * as tenancy from "pulumi-tenancy";
 * const org = new tenancy.Organization("acme", { name: "Acme" });
 * ```
 */
export * from "./resources";
export { ProjectSet, ProjectSetArgs, ProjectSetEnvironment, ProjectSetKey, ProjectSetMember, ENVIRONMENT_DEFAULTS } from "./components/project-set";
export { TenancyClient } from "./client";
export { TenancyError } from "../schema/errors";
export * as layout from "./layout";
