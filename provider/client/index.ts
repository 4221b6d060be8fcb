import { z } from "zod";
import { apiKey, createdApiKey, createdToken, Me, me, membership, organization, page, pendingClaim, project, TenancyError, token } from "../../schema";
import { Http, HttpOptions, RequestOptions, wrongEndpoint } from "./http";

export { Http, HttpOptions } from "./http";

const none = z.undefined();

type Query = Record<string, string | undefined>;

/**
 * A typed client of the management API, one method per route the provider needs, every answer
 * validated with the shared wire schemas. Errors are the backend's own `TenancyError`s.
 */
export class TenancyClient {
  private readonly http: Http;
  private caller?: Promise<Me>;
  private readonly visible = new Map<string, Promise<boolean>>();
  private readonly visibleProjects = new Map<string, Promise<boolean>>();
  private readonly projectOrgs = new Map<string, Promise<string>>();

  constructor(options: HttpOptions) {
    this.http = new Http(options);
  }

  /** The backend's base URL, as configured (tenancy:endpoint). */
  get endpoint(): string {
    return this.http.endpoint;
  }

  /** Who the token belongs to and where they hold roles; asked once per client. */
  me(): Promise<Me> {
    // A failure is not kept: the next call asks again (the backend may just have been restarting).
    return (this.caller ??= identify(this.http).catch((err) => {
      this.caller = undefined;
      throw err;
    }));
  }

  /**
   * Every call first makes sure, once per client, that the endpoint is a tenancy API and the
   * token is accepted: a wrong endpoint then fails every call with one clear sentence, and
   * nothing is ever concluded from its 404s.
   */
  private async send<T extends z.ZodType>(schema: T, method: string, path: string, opts?: RequestOptions): Promise<z.infer<T>> {
    await this.me();
    return this.http.send(schema, method, path, opts);
  }

  /** The calling user's id. */
  async myUserId(): Promise<string> {
    return (await this.me()).user.id;
  }

  /** The organization of a project (asked once per client and project: it never changes). */
  organizationOf(projectId: string): Promise<string> {
    let orgId = this.projectOrgs.get(projectId);
    if (!orgId) {
      orgId = this.projects.getById(projectId).then((p) => p.organizationId);
      orgId.catch(() => this.projectOrgs.delete(projectId));
      this.projectOrgs.set(projectId, orgId);
    }
    return orgId;
  }

  /** Whether the caller can see the organization (asked once per client and organization). */
  canSee(orgId: string): Promise<boolean> {
    return seen(this.visible, orgId, () => this.organizations.get(orgId));
  }

  /** Whether the caller can see the project, archived or not (asked once per client and project). */
  canSeeProject(orgId: string, projectId: string): Promise<boolean> {
    return seen(this.visibleProjects, `${orgId}/${projectId}`, () => this.projects.get(orgId, projectId));
  }

  organizations = {
    list: (query: Query) => this.send(page(organization), "GET", "/v1/organizations", { query: { limit: "100", ...query } }),
    get: (orgId: string) => this.send(organization, "GET", `/v1/organizations/${seg(orgId)}`),
    create: (body: unknown) => this.send(organization, "POST", "/v1/organizations", { body }),
    update: (orgId: string, body: unknown) => this.send(organization, "PATCH", `/v1/organizations/${seg(orgId)}`, { body }),
    delete: (orgId: string) => this.send(none, "DELETE", `/v1/organizations/${seg(orgId)}`),
  };

  projects = {
    list: (orgId: string, query: Query) => this.send(page(project), "GET", `${orgPath(orgId)}/projects`, { query: { limit: "100", ...query } }),
    get: (orgId: string, projectId: string) => this.send(project, "GET", `${projectPath(orgId, projectId)}`),
    getById: (projectId: string) => this.send(project, "GET", `/v1/projects/${seg(projectId)}`),
    create: (orgId: string, body: unknown) => this.send(project, "POST", `${orgPath(orgId)}/projects`, { body }),
    update: (orgId: string, projectId: string, body: unknown) => this.send(project, "PATCH", projectPath(orgId, projectId), { body }),
    archive: (orgId: string, projectId: string) => this.send(none, "DELETE", projectPath(orgId, projectId)),
  };

  /** Members of an organization (`projectId` undefined) or of one of its projects. */
  members = {
    list: (scope: Scope, query: Query) => this.send(page(membership), "GET", `${scopePath(scope)}/members`, { query: { limit: "100", ...query } }),
    get: (scope: Scope, userId: string) => this.send(membership, "GET", `${scopePath(scope)}/members/${seg(userId)}`),
    add: (scope: Scope, body: unknown) => this.send(membership, "POST", `${scopePath(scope)}/members`, { body }),
    setRole: (scope: Scope, userId: string, role: string) => this.send(membership, "PATCH", `${scopePath(scope)}/members/${seg(userId)}`, { body: { role } }),
    remove: (scope: Scope, userId: string) => this.send(none, "DELETE", `${scopePath(scope)}/members/${seg(userId)}`),
  };

  apiKeys = {
    list: (orgId: string, projectId: string, query: Query) =>
      this.send(page(apiKey), "GET", `${projectPath(orgId, projectId)}/api-keys`, { query: { limit: "100", ...query } }),
    get: (orgId: string, projectId: string, keyId: string) => this.send(apiKey, "GET", `${projectPath(orgId, projectId)}/api-keys/${seg(keyId)}`),
    create: (orgId: string, projectId: string, body: unknown) => this.send(createdApiKey, "POST", `${projectPath(orgId, projectId)}/api-keys`, { body }),
    rename: (orgId: string, projectId: string, keyId: string, name: string) =>
      this.send(apiKey, "PATCH", `${projectPath(orgId, projectId)}/api-keys/${seg(keyId)}`, { body: { name } }),
    revoke: (orgId: string, projectId: string, keyId: string) => this.send(none, "DELETE", `${projectPath(orgId, projectId)}/api-keys/${seg(keyId)}`),
    /** Brings the key's expiry forward to `expiresAt` (the backend never extends it): the end of a rotation's overlap. */
    expireBy: (orgId: string, projectId: string, keyId: string, expiresAt: string) =>
      this.send(apiKey, "PATCH", `${projectPath(orgId, projectId)}/api-keys/${seg(keyId)}`, { body: { expiresAt } }),
  };

  /** The caller's own claims on objects their creates made (backend/services/claims.service.ts). */
  claims = {
    /** Whether the caller holds a pending (unconfirmed) claim on the object: only then may a create recover it. */
    pending: async (objectId: string) => (await this.send(page(pendingClaim), "GET", "/v1/claims", { query: { objectId } })).data.length > 0,
    confirm: (objectIds: string[]) => this.send(none, "POST", "/v1/claims/confirm", { body: { objectIds } }),
  };

  /** An organization's service accounts and their management tokens (removed as members). */
  serviceAccounts = {
    list: (orgId: string, query: Query) => this.send(page(membership), "GET", `${orgPath(orgId)}/service-accounts`, { query: { limit: "100", ...query } }),
    create: (orgId: string, body: unknown) => this.send(membership, "POST", `${orgPath(orgId)}/service-accounts`, { body }),
    tokens: (orgId: string, userId: string, query: Query = {}) =>
      this.send(page(token), "GET", `${orgPath(orgId)}/service-accounts/${seg(userId)}/tokens`, { query: { limit: "100", ...query } }),
    mintToken: (orgId: string, userId: string, body: unknown) => this.send(createdToken, "POST", `${orgPath(orgId)}/service-accounts/${seg(userId)}/tokens`, { body }),
    revokeToken: (orgId: string, userId: string, tokenId: string) =>
      this.send(none, "DELETE", `${orgPath(orgId)}/service-accounts/${seg(userId)}/tokens/${seg(tokenId)}`),
    /** Brings the token's expiry forward to `expiresAt` (the backend never extends it): the end of a rotation's overlap. */
    expireTokenBy: (orgId: string, userId: string, tokenId: string, expiresAt: string) =>
      this.send(token, "PATCH", `${orgPath(orgId)}/service-accounts/${seg(userId)}/tokens/${seg(tokenId)}`, { body: { expiresAt } }),
  };
}

export interface Scope {
  organizationId: string;
  projectId?: string;
}

/** Remembers per key whether `get` answers (true) or 404s (false); other failures are not kept. */
function seen(cache: Map<string, Promise<boolean>>, key: string, get: () => Promise<unknown>): Promise<boolean> {
  let answer = cache.get(key);
  if (!answer) {
    answer = get().then(
      () => true,
      (err) => (err instanceof TenancyError && err.code === "not_found" ? false : Promise.reject(err)),
    );
    answer.catch(() => cache.delete(key));
    cache.set(key, answer);
  }
  return answer;
}

const seg = encodeURIComponent;
const orgPath = (orgId: string) => `/v1/organizations/${seg(orgId)}`;
const projectPath = (orgId: string, projectId: string) => `${orgPath(orgId)}/projects/${seg(projectId)}`;
const scopePath = (s: Scope) => (s.projectId ? projectPath(s.organizationId, s.projectId) : orgPath(s.organizationId));

/**
 * `GET /v1/me`, read as the proof that the endpoint is a tenancy API: on one, that route always
 * exists, so any 404 — even a problem+json `not_found` — or an answer of another shape means the
 * endpoint points somewhere else.
 */
async function identify(http: Http): Promise<Me> {
  try {
    return await http.send(me, "GET", "/v1/me");
  } catch (err) {
    const notTenancy = err instanceof TenancyError && (err.status === 404 || err.message.startsWith("unexpected response"));
    if (!notTenancy || err.message.startsWith(http.endpoint)) throw err;
    throw Object.assign(new TenancyError(err.status === 404 ? "unknown_route" : "internal", wrongEndpoint(http.endpoint, `GET /v1/me answered ${err.status === 404 ? "404" : "in another shape"}`)), { cause: err });
  }
}
