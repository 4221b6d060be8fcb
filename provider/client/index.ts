import { Me, Membership, OrgRole, ProjectRole, TenancyError } from "../../schema";
import { Invitation } from "../../schema/invitation";
import type { BodyIn, QueryIn } from "../../schema/operation";
import type { OperationId, Operations } from "../../schema/operations";
import { Answer, CallArgs, callEither, callOperation } from "./call";
import { Http, HttpOptions, wrongEndpoint } from "./http";

export { Http, HttpOptions } from "./http";

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
   * Calls an operation of schema/*.operations.ts by name, with its typed path parameters, query and
   * body; answers its typed, validated response. Every call first makes sure, once per client,
   * that the endpoint is a tenancy API and the token is accepted: a wrong endpoint then fails
   * every call with one clear sentence, and nothing is ever concluded from its 404s.
   */
  async call<K extends OperationId>(id: K, ...[args]: CallArgs<K>): Promise<Answer<K>> {
    await this.me();
    return callOperation(this.http, id, args as Parameters<typeof callOperation>[2]);
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
    list: (query: QueryOf<"listOrganizations"> = {}) => this.call("listOrganizations", { query: { limit: 100, ...query } }),
    get: (orgId: string) => this.call("getOrganization", { params: { orgId } }),
    create: (body: BodyOf<"createOrganization">) => this.call("createOrganization", { body }),
    update: (orgId: string, body: BodyOf<"updateOrganization">) => this.call("updateOrganization", { params: { orgId }, body }),
    delete: (orgId: string) => this.call("deleteOrganization", { params: { orgId } }),
  };

  projects = {
    list: (orgId: string, query: QueryOf<"listProjects"> = {}) => this.call("listProjects", { params: { orgId }, query: { limit: 100, ...query } }),
    get: (orgId: string, projectId: string) => this.call("getProject", { params: { orgId, projectId } }),
    getById: (projectId: string) => this.call("getProjectById", { params: { projectId } }),
    create: (orgId: string, body: BodyOf<"createProject">) => this.call("createProject", { params: { orgId }, body }),
    update: (orgId: string, projectId: string, body: BodyOf<"updateProject">) => this.call("updateProject", { params: { orgId, projectId }, body }),
    archive: (orgId: string, projectId: string) => this.call("archiveProject", { params: { orgId, projectId } }),
  };

  /**
   * Members of an organization (`projectId` undefined) or of one of its projects. The scope picks
   * the operation at run time, so a role is either scope's; the backend refuses one of the other
   * scope's set (400 naming `role`).
   */
  members = {
    list: (scope: Scope, query: QueryOf<"listProjectMembers"> = {}) =>
      scope.projectId
        ? this.call("listProjectMembers", { params: projectOf(scope), query: { limit: 100, ...query } })
        : this.call("listOrganizationMembers", { params: { orgId: scope.organizationId }, query: { limit: 100, ...query } }),
    get: (scope: Scope, userId: string) =>
      scope.projectId ? this.call("getProjectMember", { params: { ...projectOf(scope), userId } }) : this.call("getOrganizationMember", { params: { orgId: scope.organizationId, userId } }),
    /**
     * Adds a person: a membership (201) when they have an account; else an invitation (202): a new
     * one of the organization (with its acceptUrl), or for a project the organization's pending
     * invitation of theirs that now grants the project too. 409 `invitation_pending` carries the
     * pending invitation in `extras.existing`.
     */
    addOrInvite: async (scope: Scope, body: MemberInput): Promise<Added> => {
      await this.me();
      const answer = scope.projectId
        ? await callEither(this.http, "addProjectMember", { params: projectOf(scope), body })
        : await callEither(this.http, "addOrganizationMember", { params: { orgId: scope.organizationId }, body });
      return answer.alternate ? { invitation: answer.body } : { membership: answer.body };
    },
    /** Adds a person who has an account; one without is invited instead, which this call reports as an error. */
    add: async (scope: Scope, body: MemberInput): Promise<Membership> => {
      const added = await this.members.addOrInvite(scope, body);
      if (added.membership) return added.membership;
      throw new Error(`${body.email} has no account: invitation ${added.invitation.id} was sent instead of a membership`);
    },
    setRole: (scope: Scope, userId: string, role: Membership["role"]) =>
      scope.projectId
        ? this.call("updateProjectMember", { params: { ...projectOf(scope), userId }, body: { role: role as ProjectRole } })
        : this.call("updateOrganizationMember", { params: { orgId: scope.organizationId, userId }, body: { role: role as OrgRole } }),
    /** Takes a membership over for the deployment of `externalId`, with the role it declares. */
    takeOver: (scope: Scope, userId: string, role: Membership["role"], externalId: string) =>
      scope.projectId
        ? this.call("updateProjectMember", { params: { ...projectOf(scope), userId }, body: { role: role as ProjectRole, externalId } })
        : this.call("updateOrganizationMember", { params: { orgId: scope.organizationId, userId }, body: { role: role as OrgRole, externalId } }),
    remove: (scope: Scope, userId: string) =>
      scope.projectId ? this.call("removeProjectMember", { params: { ...projectOf(scope), userId } }) : this.call("removeOrganizationMember", { params: { orgId: scope.organizationId, userId } }),
  };

  /** An organization's invitations: pending ones are people a Membership declares who have no account yet. */
  invitations = {
    list: (orgId: string, query: QueryOf<"listInvitations"> = {}) => this.call("listInvitations", { params: { orgId }, query: { limit: 100, ...query } }),
    get: (orgId: string, invitationId: string) => this.call("getInvitation", { params: { orgId, invitationId } }),
    revoke: (orgId: string, invitationId: string) => this.call("revokeInvitation", { params: { orgId, invitationId } }),
    /** Takes one project's grant out of a pending invitation (a no-op when it has none). */
    dropProject: (orgId: string, invitationId: string, projectId: string) => this.call("removeInvitationProject", { params: { orgId, invitationId, projectId } }),
  };

  apiKeys = {
    list: (orgId: string, projectId: string, query: QueryOf<"listApiKeys"> = {}) => this.call("listApiKeys", { params: { orgId, projectId }, query: { limit: 100, ...query } }),
    get: (orgId: string, projectId: string, keyId: string) => this.call("getApiKey", { params: { orgId, projectId, keyId } }),
    create: (orgId: string, projectId: string, body: BodyOf<"createApiKey">) => this.call("createApiKey", { params: { orgId, projectId }, body }),
    rename: (orgId: string, projectId: string, keyId: string, name: string) => this.call("updateApiKey", { params: { orgId, projectId, keyId }, body: { name } }),
    revoke: (orgId: string, projectId: string, keyId: string) => this.call("revokeApiKey", { params: { orgId, projectId, keyId } }),
    /** Brings the key's expiry forward to `expiresAt` (the backend never extends it): the end of a rotation's overlap. */
    expireBy: (orgId: string, projectId: string, keyId: string, expiresAt: string) => this.call("updateApiKey", { params: { orgId, projectId, keyId }, body: { expiresAt } }),
  };

  /** The caller's own claims on objects their creates made (backend/services/claims.service.ts). */
  claims = {
    /** Whether the caller holds a pending (unconfirmed) claim on the object: only then may a create recover it. */
    pending: async (objectId: string) => (await this.call("listClaims", { query: { objectId } })).data.length > 0,
    confirm: (objectIds: string[]) => this.call("confirmClaims", { body: { objectIds } }),
  };

  /** An organization's service accounts and their management tokens (removed as members). */
  serviceAccounts = {
    list: (orgId: string, query: QueryOf<"listServiceAccounts"> = {}) => this.call("listServiceAccounts", { params: { orgId }, query: { limit: 100, ...query } }),
    create: (orgId: string, body: BodyOf<"createServiceAccount">) => this.call("createServiceAccount", { params: { orgId }, body }),
    tokens: (orgId: string, userId: string, query: QueryOf<"listServiceAccountTokens"> = {}) =>
      this.call("listServiceAccountTokens", { params: { orgId, userId }, query: { limit: 100, ...query } }),
    mintToken: (orgId: string, userId: string, body: BodyOf<"createServiceAccountToken">) => this.call("createServiceAccountToken", { params: { orgId, userId }, body }),
    revokeToken: (orgId: string, userId: string, tokenId: string) => this.call("revokeServiceAccountToken", { params: { orgId, userId, tokenId } }),
    /** Brings the token's expiry forward to `expiresAt` (the backend never extends it): the end of a rotation's overlap. */
    expireTokenBy: (orgId: string, userId: string, tokenId: string, expiresAt: string) =>
      this.call("updateServiceAccountToken", { params: { orgId, userId, tokenId }, body: { expiresAt } }),
  };
}

/** What adding a person made: their membership, or (no account yet) the invitation that grants it once accepted. */
export type Added = { membership: Membership; invitation?: undefined } | { invitation: Invitation & { acceptUrl?: string }; membership?: undefined };

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

type QueryOf<K extends OperationId> = NonNullable<QueryIn<Operations[K]>>;
type BodyOf<K extends OperationId> = BodyIn<Operations[K]>;
/** Either scope's member body: its role is checked against the scope by the backend. */
type MemberInput = Omit<BodyOf<"addOrganizationMember">, "role"> & { role: Membership["role"] };

const projectOf = (s: Scope) => ({ orgId: s.organizationId, projectId: s.projectId! });

/**
 * `GET /v1/me`, read as the proof that the endpoint is a tenancy API: on one, that route always
 * exists, so any 404 — even a problem+json `not_found` — or an answer of another shape means the
 * endpoint points somewhere else.
 */
async function identify(http: Http): Promise<Me> {
  try {
    return await callOperation(http, "getMe");
  } catch (err) {
    const notTenancy = err instanceof TenancyError && (err.status === 404 || err.message.startsWith("unexpected response"));
    if (!notTenancy || err.message.startsWith(http.endpoint)) throw err;
    throw Object.assign(new TenancyError(err.status === 404 ? "unknown_route" : "internal", wrongEndpoint(http.endpoint, `GET /v1/me answered ${err.status === 404 ? "404" : "in another shape"}`)), { cause: err });
  }
}
