import type { FastifyReply, FastifyRequest } from "fastify";
import { setImmediate as nextTurn } from "node:timers/promises";
import { unstorable, UNSTORABLE_MESSAGE } from "../../schema/common";
import { Alternate } from "../../schema/operation";
import { invalidFields, TenancyError } from "../../schema/errors";
import { assertProjectActive, isIdOf, notFound, OrgAccess, resolveOrganization, resolveProject } from "../auth/access";
import type { AuthCache } from "../auth/auth-cache";
import { PERMISSIONS, Permission } from "../auth/permissions";
import type { Caller, Ctx } from "../services/context";
import type { SignInDefaults } from "../auth/context";
import type { Executor, Store } from "../store/db";
import type { UsageRuntime } from "../usage/usage.runtime";
import { SLICE } from "./slices";
import type { GatewayPrincipal } from "../usage/gateway-caller";
import { findProject, ProjectRecord } from "../store/projects.repository";
import { checkIfMatch, etagOf } from "./etag";
import { earlierAnswer, idempotentRequest, rememberAnswer, winnerAnswer } from "./idempotency";
import { isPathParam, PATH_PARAMS } from "./path-params";
import { Guards, Reply, RouteDef, versionOf, Versioned } from "./route";
import { invalidField, parseInput, slicedParser } from "./validate";
import type { SecretBox } from "../sign-in/secret-box";

/** Who the onRequest hook found behind the request, before the body was read. */
export type Principal = { kind: "none" } | { kind: "user"; caller: Caller } | { kind: "gateway"; gateway: GatewayPrincipal };

function checkParams(def: RouteDef, params: Record<string, string>): void {
  for (const [name, value] of Object.entries(params)) {
    // Every name is a PATH_PARAMS entry: assertDeclared refused the route otherwise.
    if (!isPathParam(name)) continue;
    const { kind, label } = PATH_PARAMS[name];
    if (!isIdOf(kind, value)) throw notFound(name === "userId" && def.path.includes("/service-accounts/") ? "service account" : label, value);
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
  const refuse = (paths: string[], message: string) => invalidFields(paths.map((path) => ({ path, message })));
  if (repeated.length > 0) throw refuse(repeated, "is given more than once; give it once (a list is one comma-separated value)");
  if (unstored.length > 0) throw refuse(unstored, UNSTORABLE_MESSAGE);
  if (def.query) return parseInput(def.query, raw);
  const extra = Object.keys(raw as object);
  if (extra.length > 0) throw refuse(extra, "unknown query parameter; this route takes none");
  return EMPTY_QUERY;
}

function parseBody(def: RouteDef, raw: unknown): unknown {
  if (def.body) return parseInput(def.body, raw);
  if (raw !== undefined) throw invalidField("(body)", "this route takes no body");
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

/** The organization the route acts in, by its `{orgId}` or its `{projectId}`'s; org policy enforced there. */
function organizationOf(ctx: Ctx, db: Executor, params: Record<string, string>, lock: boolean): Promise<OrgAccess> {
  return params.orgId ? resolveOrganization(ctx, db, params.orgId, lock) : resolveOrgOfProject(ctx, db, params.projectId, lock);
}

/** The route's guards, in order, then its handler: If-Match against the loaded object, archived project. */
async function guarded<C, T extends Versioned | undefined>(def: Guards<C, T>, call: C, ifMatch: string | undefined, project?: ProjectRecord): Promise<unknown> {
  const target = (def.ifMatch ? await def.ifMatch(call) : undefined) as T;
  if (target) checkIfMatch(ifMatch, target.version);
  if (def.activeProject && project) assertProjectActive(project);
  return def.handler({ ...call, target });
}

const WRITES = new Set(["POST", "PATCH", "DELETE"]);

export interface PipelineDeps {
  store: Store;
  usage: UsageRuntime;
  /** Forgotten whenever this instance commits a management write. */
  authCache: AuthCache;
  signIn: SignInDefaults;
  secrets?: SecretBox;
  principalOf(req: FastifyRequest): Principal;
}

/**
 * The one request pipeline: every route runs through it. Writes run in one transaction opened
 * here (the only place a transaction is opened for a request), and `db` passed down is that
 * transaction; reads get the plain connection. Services never resolve, authorize or parse.
 */
export function pipeline(def: RouteDef, { store, usage, authCache, signIn, secrets, principalOf }: PipelineDeps) {
  const write = WRITES.has(def.method);
  const idempotent = def.method === "POST" && def.status === 201 && (def.scope === "user" || def.scope === "organization" || def.scope === "project");

  const answer = (result: unknown): Reply => {
    if (!(result instanceof Alternate)) return { status: def.status, body: result, etag: def.status < 300 ? versionOf(result) : undefined };
    // The type of `route()` allows an alternate only where the operation declares one; this holds it at run time too.
    if (!def.alternate) throw new Error(`route ${def.method} ${def.path} answered an alternate its operation does not declare`);
    return { status: def.alternate.status, body: result.body, etag: versionOf(result.body) };
  };
  // The route's query and body, validated. A sliced body (a gateway's usage batch; route() allows
  // `sliced` on gateway routes only) waits a turn of the event loop before it is validated, and is
  // validated in slices: what the parser did with it and each slice are stretches of their own,
  // with other tenants' requests between. Every other route validates synchronously: no promise
  // added to its path.
  const slicedBody = def.sliced ? slicedParser(def.body, def.sliced, SLICE) : undefined;
  const input = (req: FastifyRequest) => ({ query: parseQuery(def, req.query), body: parseBody(def, req.body) });
  const gatewayInput = async (req: FastifyRequest) => {
    if (!slicedBody) return input(req);
    const query = parseQuery(def, req.query);
    await nextTurn();
    return { query, body: await slicedBody(req.body) };
  };

  async function run(req: FastifyRequest): Promise<Reply> {
    const params = req.params as Record<string, string>;
    checkParams(def, params);
    const principal = principalOf(req);
    if (def.scope === "none") return answer(await guarded(def, { store, headers: req.headers, params, ...input(req) }, undefined));
    if (def.scope === "gateway") {
      if (principal.kind !== "gateway") throw new Error(`route ${def.method} ${def.path} ran without its gateway credential`);
      const transact = <T>(work: (trx: Executor) => Promise<T>) => store.db.transaction().execute(work);
      const call = { gateway: principal.gateway, store, db: store.db, transact, usage, authCache, now: new Date().toISOString(), params, ...(await gatewayInput(req)) };
      return answer(await guarded(def, call, undefined));
    }
    if (principal.kind !== "user") throw new Error(`route ${def.method} ${def.path} ran without its caller`);
    const ctx: Ctx = { store, caller: principal.caller, ip: req.ip, requestId: req.id, now: new Date().toISOString(), authCache, signIn, secrets };
    const ifMatch = typeof req.headers["if-match"] === "string" ? req.headers["if-match"] : undefined;
    const userId = ctx.caller.user.id;
    // Scope, org policy (in resolveOrganization) and permission, in that order; then the input;
    // what runs after the idempotency lookup is `invoke`: the guards, then the handler.
    const prepare = async (db: Executor): Promise<() => Promise<unknown>> => {
      switch (def.scope) {
        case "user": {
          await allow(PERMISSIONS.user[def.permission], ctx.caller, db, userId);
          const call = { ctx, db, usage, params, ...input(req) };
          return () => guarded(def, call, ifMatch);
        }
        case "organization": {
          const access = await organizationOf(ctx, db, params, write);
          await allow(PERMISSIONS.organization[def.permission], access, db, userId);
          const call = { ctx, db, usage, access, params, ...input(req) };
          return () => guarded(def, call, ifMatch);
        }
        case "project": {
          const access = await resolveProject(ctx, db, await organizationOf(ctx, db, params, write), params.projectId);
          await allow(PERMISSIONS.project[def.permission], access, db, userId);
          const call = { ctx, db, usage, access, params, ...input(req) };
          return () => guarded(def, call, ifMatch, access.project);
        }
      }
    };
    if (!write) return answer(await (await prepare(store.db))());
    const key = idempotent ? idempotentRequest(req.headers["idempotency-key"], userId, req.url.split("?")[0], req.body) : undefined;
    const replay = async (db: Executor, earlier: Reply): Promise<Reply> => {
      if (!def.replayOrganization) return earlier;
      const access = await resolveOrganization(ctx, db, (earlier.body as { id: string }).id, false);
      const body = await def.replayOrganization(access, db);
      return { ...earlier, body, etag: versionOf(body) };
    };
    try {
      return await store.db.transaction().execute(async (trx) => {
        const invoke = await prepare(trx);
        const earlier = key && (await earlierAnswer(trx, key));
        if (earlier) return replay(trx, earlier);
        const reply = answer(await invoke());
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
    if (def.contentType) reply.type(def.contentType);
    reply.status(result.status);
    return result.status === 204 ? reply.send() : reply.send(result.body);
  };
}
