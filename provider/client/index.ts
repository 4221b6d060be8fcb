import { z } from "zod";
import { apiKey, createdApiKey, me, membership, organization, page, project } from "../../schema";
import { Http, HttpOptions } from "./http";

export { Http, HttpOptions } from "./http";

const none = z.undefined();

type Query = Record<string, string | undefined>;

/**
 * A typed client of the management API, one method per route the provider needs, every answer
 * validated with the shared wire schemas. Errors are the backend's own `TenancyError`s.
 */
export class TenancyClient {
  private readonly http: Http;

  constructor(options: HttpOptions) {
    this.http = new Http(options);
  }

  /** The calling user's id. */
  async myUserId(): Promise<string> {
    const m = await this.http.send(me, "GET", "/v1/me");
    return m.user.id;
  }

  organizations = {
    list: (query: Query) => this.http.send(page(organization), "GET", "/v1/organizations", { query: { limit: "100", ...query } }),
    get: (orgId: string) => this.http.send(organization, "GET", `/v1/organizations/${seg(orgId)}`),
    create: (body: unknown) => this.http.send(organization, "POST", "/v1/organizations", { body }),
    update: (orgId: string, body: unknown) => this.http.send(organization, "PATCH", `/v1/organizations/${seg(orgId)}`, { body }),
    delete: (orgId: string) => this.http.send(none, "DELETE", `/v1/organizations/${seg(orgId)}`),
  };

  projects = {
    list: (orgId: string, query: Query) => this.http.send(page(project), "GET", `${orgPath(orgId)}/projects`, { query: { limit: "100", ...query } }),
    get: (orgId: string, projectId: string) => this.http.send(project, "GET", `${projectPath(orgId, projectId)}`),
    getById: (projectId: string) => this.http.send(project, "GET", `/v1/projects/${seg(projectId)}`),
    create: (orgId: string, body: unknown) => this.http.send(project, "POST", `${orgPath(orgId)}/projects`, { body }),
    update: (orgId: string, projectId: string, body: unknown) => this.http.send(project, "PATCH", projectPath(orgId, projectId), { body }),
    archive: (orgId: string, projectId: string) => this.http.send(none, "DELETE", projectPath(orgId, projectId)),
  };

  /** Members of an organization (`projectId` undefined) or of one of its projects. */
  members = {
    list: (scope: Scope, query: Query) => this.http.send(page(membership), "GET", `${scopePath(scope)}/members`, { query: { limit: "100", ...query } }),
    get: (scope: Scope, userId: string) => this.http.send(membership, "GET", `${scopePath(scope)}/members/${seg(userId)}`),
    add: (scope: Scope, body: unknown) => this.http.send(membership, "POST", `${scopePath(scope)}/members`, { body }),
    setRole: (scope: Scope, userId: string, role: string) => this.http.send(membership, "PATCH", `${scopePath(scope)}/members/${seg(userId)}`, { body: { role } }),
    remove: (scope: Scope, userId: string) => this.http.send(none, "DELETE", `${scopePath(scope)}/members/${seg(userId)}`),
  };

  apiKeys = {
    list: (orgId: string, projectId: string, query: Query) =>
      this.http.send(page(apiKey), "GET", `${projectPath(orgId, projectId)}/api-keys`, { query: { limit: "100", ...query } }),
    get: (orgId: string, projectId: string, keyId: string) => this.http.send(apiKey, "GET", `${projectPath(orgId, projectId)}/api-keys/${seg(keyId)}`),
    create: (orgId: string, projectId: string, body: unknown) => this.http.send(createdApiKey, "POST", `${projectPath(orgId, projectId)}/api-keys`, { body }),
    rename: (orgId: string, projectId: string, keyId: string, name: string) =>
      this.http.send(apiKey, "PATCH", `${projectPath(orgId, projectId)}/api-keys/${seg(keyId)}`, { body: { name } }),
    revoke: (orgId: string, projectId: string, keyId: string) => this.http.send(none, "DELETE", `${projectPath(orgId, projectId)}/api-keys/${seg(keyId)}`),
  };
}

export interface Scope {
  organizationId: string;
  projectId?: string;
}

const seg = encodeURIComponent;
const orgPath = (orgId: string) => `/v1/organizations/${seg(orgId)}`;
const projectPath = (orgId: string, projectId: string) => `${orgPath(orgId)}/projects/${seg(projectId)}`;
const scopePath = (s: Scope) => (s.projectId ? projectPath(s.organizationId, s.projectId) : orgPath(s.organizationId));
