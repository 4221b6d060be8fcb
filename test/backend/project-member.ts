import type { Backend } from "../support/backend";
import { account, Api, expectStatus } from "./helpers";

/**
 * A fresh organization and project with one person (an account, no token) as a member of both:
 * the start of tests about what a project member's membership, or the keys they own, go through.
 */
export async function projectWithMember(backend: Backend, root: Api, orgName: string, email: string, role: "owner" | "member" | "viewer") {
  const org = expectStatus(await root.post("/v1/organizations", { name: orgName }), 201).id as string;
  const project = expectStatus(await root.post(`/v1/organizations/${org}/projects`, { name: "project", environment: "other" }), 201).id as string;
  await account(backend, email);
  expectStatus(await root.post(`/v1/organizations/${org}/members`, { email, role: "member" }), 201);
  const path = `/v1/organizations/${org}/projects/${project}`;
  const membership = expectStatus(await root.post(`${path}/members`, { email, role }), 201);
  return { org, project, path, membership };
}
