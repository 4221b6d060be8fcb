import type { FastifyReply, FastifyRequest } from "fastify";
import { unstorable, UNSTORABLE_MESSAGE } from "../../schema/common";
import { TenancyError } from "../../schema/errors";
import { isIdOf, notFound, OrgAccess, resolveOrganization, resolveProject } from "../auth/access";
import type { ApiKeyPrincipal } from "../auth/api-key-caller";
import type { AuthCache } from "../auth/auth-cache";
import { PERMISSIONS, Permission } from "../auth/permissions";
import type { Caller, Ctx } from "../services/context";
import type { Executor, Store } from "../store/db";
import { findProject } from "../store/projects.repository";
import { etagOf } from "./etag";
import { earlierAnswer, idempotentRequest, rememberAnswer, winnerAnswer } from "./idempotency";
import { Reply, RouteDef, versionOf } from "./route";
import { parseInput } from "./validate";

/** Who the onRequest hook found behind the request, before the body was read. */
export type Principal = { kind: "none" } | { kind: "user"; caller: Caller } | { kind: "apiKey"; key: ApiKeyPrincipal };

/** Path parameters are ids: a malformed one is the same 404 as a missing one (never a 400). */
const ID_PARAMS: Record<string, [Parameters<typeof isIdOf>[0], string]> = {
  orgId: ["organization", "organization"],
  projectId: ["project", "project"],
  userId: ["user", "member"],
  keyId: ["apiKey", "api key"],
  tokenId: ["token", "token"],
};

function checkParams(def: RouteDef, params: Record<string, string>): void {
  for (const [name, value] of Object.entries(params)) {
    const kind = ID_PARAMS[name];
    if (!kind) continue;
    const label = name === "userId" && def.path.includes("/service-accounts/") ? "service account" : kind[1];
    if (!isIdOf(kind[0], value)) throw notFound(label, value);
  }
}

const EMPTY_QUERY = Object.freeze({});
function parseQuery(def: RouteDef, raw: unknown): unknown {
  // One pass over the values: the query string parser makes a repeated parameter an array, which
  // no query field takes; filters and cursors reach queries, and PostgreSQL refuses NUL outright.
  const repeated: string[] = [];
  const unstored: string[] = [];
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    if (Array.isArray(v)) repeated.push(k);
    else if (typeof v === "string" && unstorable(v)) unstored.push(k);
  }
  const refuse = (paths: string[], message: string) => new TenancyError("invalid_request", `${paths[0]}: ${message}`, { errors: paths.map((path) => ({ path, message })) });
  if (repeated.length > 0) throw refuse(repeated, "is given more than once; give it once (a list is one comma-separated value)");
  if (unstored.length > 0) throw refuse(unstored, UNSTORABLE_MESSAGE);
  if (def.query) return parseInput(def.query, raw);
  const extra = Object.keys(raw as object);
  if (extra.length > 0) throw new TenancyError("invalid_request", `${extra[0]}: unknown query parameter; this route takes none`, { errors: extra.map((path) => ({ path, message: "unknown query parameter; this route takes none" })) });
  return EMPTY_QUERY;
}

function parseBody(def: RouteDef, raw: unknown): unknown {
  if (def.body) return parseInput(def.body, raw);
  if (raw !== undefined) throw new TenancyError("invalid_request", "(body): this route takes no body", { errors: [{ path: "(body)", message: "this route takes no body" }] });
  return undefined;
}

async function allow<A>(permission: Permission<A>, access: A, db: Executor, userId: string): Promise<void> {
  if (!(await permission.allows(access, db, userId))) throw new TenancyError("forbidden", `your role does not allow you to ${permission.denied}`);
}

/**
 * `/v1/projects/{projectId}` names no organization: it is read from the project, and every
 * failure on the way (an invisible organization included) is the project's 404.
 */
async function resolveOrgOfProject(ctx: Ctx, db: Executor, projectId: string, lock: boolean): Promise<OrgAccess> {
  const project = await findProject(db, projectId);
  if (!project) throw notFound("project", projectId);
  try {
    return await resolveOrganization(ctx, db, project.organization_id, lock);
  } catch (e) {
    if (e instanceof TenancyError && e.code === "not_found") throw notFound("project", projectId);
    throw e;
  }
}

/** Scope, org policy (in resolveOrganization) and permission, in that order; then the input. */
async function authorize(def: RouteDef, ctx: Ctx, db: Executor, params: Record<string, string>, lock: boolean): Promise<OrgAccess | undefined> {
  const userId = ctx.caller.user.id;
  if (def.scope === "user") {
    await allow(PERMISSIONS.user[def.permission as keyof typeof PERMISSIONS.user] as Permission<Caller>, ctx.caller, db, userId);
    return undefined;
  }
  const org = params.orgId ? await resolveOrganization(ctx, db, params.orgId, lock) : await resolveOrgOfProject(ctx, db, params.projectId, lock);
  if (def.scope === "organization") {
    await allow(PERMISSIONS.organization[def.permission as keyof typeof PERMISSIONS.organization] as Permission<OrgAccess>, org, db, userId);
    return org;
  }
  const project = await resolveProject(ctx, db, org, params.projectId);
  await allow(PERMISSIONS.project[def.permission as keyof typeof PERMISSIONS.project] as Permission<typeof project>, project, db, userId);
  return project;
}

const WRITES = new Set(["POST", "PATCH", "DELETE"]);

export interface PipelineDeps {
  store: Store;
  /** Forgotten whenever this instance commits a management write. */
  authCache: AuthCache;
  principalOf(req: FastifyRequest): Principal;
}

/**
 * The one request pipeline: every route runs through it. Writes run in one transaction opened
 * here (the only place a transaction is opened for a request), and `db` passed down is that
 * transaction; reads get the plain connection. Services never resolve, authorize or parse.
 */
export function pipeline(def: RouteDef, { store, authCache, principalOf }: PipelineDeps) {
  const write = def.scope === "apiKey" ? def.transaction === true : WRITES.has(def.method);
  const idempotent = def.method === "POST" && def.status === 201 && (def.scope === "user" || def.scope === "organization" || def.scope === "project");

  async function run(req: FastifyRequest): Promise<Reply> {
    const params = req.params as Record<string, string>;
    checkParams(def, params);
    const principal = principalOf(req);
    if (principal.kind === "none") {
      return def.handler({ store, headers: req.headers, params, query: parseQuery(def, req.query), body: parseBody(def, req.body) } as never);
    }
    if (principal.kind === "apiKey") {
      const query = parseQuery(def, req.query);
      const body = parseBody(def, req.body);
      const base = { key: principal.key, store, ip: req.ip, requestId: req.id, now: new Date().toISOString(), params, query, body };
      return write ? store.db.transaction().execute((trx) => def.handler({ ...base, db: trx } as never)) : def.handler({ ...base, db: store.db } as never);
    }
    const ifMatch = typeof req.headers["if-match"] === "string" ? req.headers["if-match"] : undefined;
    const ctx: Ctx = { store, caller: principal.caller, ip: req.ip, requestId: req.id, now: new Date().toISOString(), ifMatch, authCache };
    const call = async (db: Executor) => {
      const access = await authorize(def, ctx, db, params, write);
      const query = parseQuery(def, req.query);
      const body = parseBody(def, req.body);
      return { query, body, invoke: () => def.handler({ ctx, db, access, params, query, body } as never) };
    };
    if (!write) return (await call(store.db)).invoke();
    const key = idempotent ? idempotentRequest(req.headers["idempotency-key"], ctx.caller.user.id, req.url.split("?")[0], req.body) : undefined;
    const replay = async (db: Executor, answer: Reply): Promise<Reply> => {
      if (!def.replayOrganization) return answer;
      const access = await resolveOrganization(ctx, db, (answer.body as { id: string }).id, false);
      const body = await def.replayOrganization(access, db);
      return { ...answer, body, etag: versionOf(body) };
    };
    try {
      return await store.db.transaction().execute(async (trx) => {
        const prepared = await call(trx);
        const earlier = key && (await earlierAnswer(trx, key));
        if (earlier) return replay(trx, earlier);
        const reply = await prepared.invoke();
        if (key) await rememberAnswer(trx, key, reply, ctx.now);
        return reply;
      });
    } catch (error) {
      // A refusal is the answer; a conflict may mean a concurrent request with the same key won.
      const conflict = !(error instanceof TenancyError) || error.status === 409;
      const winner = key && conflict && (await winnerAnswer(store, key));
      if (winner) return replay(store.db, winner);
      throw error;
    } finally {
      // Before the answer leaves, committed or not: the caller never sees its own change late here.
      authCache.invalidate();
    }
  }

  return async (req: FastifyRequest, reply: FastifyReply) => {
    const result = await run(req);
    if (result.etag !== undefined) reply.header("etag", etagOf(result.etag));
    if (result.contentType) reply.type(result.contentType);
    reply.status(result.status);
    return result.status === 204 ? reply.send() : reply.send(result.body);
  };
}
