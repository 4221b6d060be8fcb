/**
 * The resource kinds of the provider, one line each: a kind is its file (its spec and operations,
 * given to `defineResource`) and its line here. Everything else that knows the kinds reads them
 * from this list (kind-table.ts): the package's exports (index.ts), the runtime that the stubs in
 * state dispatch to, the guardrails' and the review's knowledge of which resources are tenancy's.
 */
export { Organization, type OrganizationArgs } from "./organization";
export { Project, type ProjectArgs } from "./project";
export { Membership, type MembershipArgs } from "./membership";
export { ApiKey, type ApiKeyArgs } from "./api-key";
export { ServiceAccount, type ServiceAccountArgs } from "./service-account";
