import type { IncomingHttpHeaders } from "node:http";
import type { z } from "zod";
import type { ErrorCode } from "../../schema/errors";
import type { OrgAccess, ProjectAccess } from "../auth/access";
import { PERMISSIONS, PermissionOf, Scope, SCOPES } from "../auth/permissions";
import type { Ctx } from "../auth/context";
import type { Executor, Store } from "../store/db";
import type { UsageRuntime } from "../usage/usage.runtime";
import type { GatewayPrincipal } from "../usage/gateway-caller";
import type { AuthCache } from "../auth/auth-cache";
import { Alternate, BodyOut, Operation, OperationSpec, PathParamsOf, QueryOut, ResponseIn } from "../../schema/operation";
import { isPathParam, paramNames, ParamsOf, PATH_PARAMS } from "./path-params";

/** What the pipeline answers: the route's status, the handler's body, the ETag from its `version`. */
export interface Reply {
  status: number;
  body?: unknown;
  /** Sets a quoted `ETag` from the object's version. */
  etag?: number;
}

interface Parsed<P, Q, B> {
  /** The path template's `{names}`, each checked to be an id of its kind (else 404). */
  params: P;
  /** Parsed by the route's `query` schema (an empty object when it declares none). */
  query: Q;
  /** Parsed by the route's `body` schema (undefined when it declares none). */
  body: B;
}

/** Operational routes: no caller, no tenant data. */
export interface PublicCall<P, Q, B> extends Parsed<P, Q, B> {
  store: Store;
  headers: IncomingHttpHeaders;
}

/** A management call: the caller is resolved; `db` is the request's transaction for POST, PATCH, DELETE. */
export interface UserCall<P, Q, B> extends Parsed<P, Q, B> {
  ctx: Ctx;
  db: Executor;
  /** The data plane's runtime `buildApp` was given (prices, limits). */
  usage: UsageRuntime;
}

/** The caller stands in the organization, its policy held and the route's permission granted. */
export interface OrgCall<P, Q, B> extends UserCall<P, Q, B> {
  access: OrgAccess;
}

/** The same for a project the caller may see. */
export interface ProjectCall<P, Q, B> extends UserCall<P, Q, B> {
  access: ProjectAccess;
}

/** The data plane as the operator's gateway calls it: the client's API key travels in the body. */
export interface GatewayCall<P, Q, B> extends Parsed<P, Q, B> {
  gateway: GatewayPrincipal;
  /** The plain connection: a data-plane call reads outside any transaction. */
  db: Executor;
  /**
   * Runs `work` in a transaction (opened here by the pipeline, like every request's): a handler
   * that writes prepares all it can before, so the transaction, which on SQLite holds the
   * store's one connection, lasts only as long as its statements.
   */
  transact<T>(work: (trx: Executor) => Promise<T>): Promise<T>;
  store: Store;
  usage: UsageRuntime;
  /** The instance's short memory of credentials, for the API key a call names. */
  authCache: AuthCache;
  now: string;
}

export type CallOf<S extends Scope, P, Q, B> = {
  none: PublicCall<P, Q, B>;
  user: UserCall<P, Q, B>;
  organization: OrgCall<P, Q, B>;
  project: ProjectCall<P, Q, B>;
  gateway: GatewayCall<P, Q, B>;
}[S];

/** An object a write may be conditional on: its `version` is its entity tag. */
export interface Versioned {
  version: number;
}

/**
 * What the pipeline enforces around the handler, inside the request's transaction, once scope,
 * permission and input are settled; /openapi.json and the authorization matrix read the same flags.
 */
export interface Guards<C, T extends Versioned | undefined, R = unknown> {
  /**
   * The write changes one versioned object: the pipeline loads it with this (whose 404 or 403 is
   * the answer when it is missing or not the caller's to change), answers 412 when `If-Match`
   * names another version, and hands it to the handler as `target`. /openapi.json documents
   * `If-Match` and 412 exactly for the routes that declare it.
   */
  ifMatch?(call: C): T | Promise<T>;
  /** Archived projects are read-only: the pipeline refuses this write in one with 400 (project scope only). */
  activeProject?: true;
  /** Returns the answer's body (nothing for 204); the pipeline sets the status and the ETag from its `version`. */
  handler(call: C & { target: T }): Promise<R>;
}

type QueryOf<Q> = Q extends z.ZodType ? z.output<Q> : Record<string, never>;
type BodyOf<B> = B extends z.ZodType ? z.output<B> : undefined;

/** What a route adds to its operation: who may call it, what guards it, what answers it. */
export interface ServerSpec<S extends Scope, C, T extends Versioned | undefined, R> extends Guards<C, T, R> {
  /** Who the caller is and what the route acts inside; decides how the pipeline resolves them. */
  scope: S;
  /** What the caller must be allowed within that scope (auth/permissions.ts). */
  permission: PermissionOf<S>;
  /**
   * `false` exempts the route from the per-caller request limit. Only for unauthenticated routes
   * that cost no query (health checks): a load balancer answered 429 would take the instance out
   * of rotation, and the limit would protect nothing.
   */
  rateLimit?: false;
  /**
   * A user-scope create whose answer is an organization: no organization in its path was checked
   * before an `Idempotency-Key` replay, so the pipeline resolves the answer's organization as a
   * read would now (404 when the caller left it, 403 when its policy fences this request) and the
   * replay carries this view of it (what the caller's role may read today), not the stored one.
   */
  replayOrganization?(access: OrgAccess, db: Executor): Promise<unknown>;
  /**
   * Error codes the handler answers beyond those the pipeline gives every route of its scope and
   * method (listed in /openapi.json, so a generated client knows them).
   */
  answers?: readonly ErrorCode[];
  /**
   * Gateway scope: runs once the caller is known and before the body is read or parsed, so a
   * refusal here (a flood's 429) costs the server a header check, not a body parse; it may also
   * hold the request there (its body, of `bytes` by its Content-Length, unread); `ended` aborts
   * when the answer is sent or the connection is gone.
   */
  beforeBody?(gateway: GatewayPrincipal, usage: UsageRuntime, request: { bytes: number | undefined; ended: AbortSignal }): Promise<void>;
  /** Largest accepted body in bytes, when this route needs more than TENANCY_BODY_LIMIT_BYTES. */
  bodyLimit?: number;
  /**
   * Gateway scope: the body's list field validated in slices (http/slices.ts), a turn of the
   * event loop before and between them, so that a large batch is not one long stretch that every
   * other tenant's request waits behind. The answer is the same as whole-body validation's.
   */
  sliced?: string;
  /** The success answer's media type when it is not JSON (set by what produces it, such as the metrics registry). */
  contentType?: string;
}

/** The server half of a route declared from an operation of schema/: its call and its return typed by the operation. */
export type RouteOf<S extends Scope, O extends Operation, T extends Versioned | undefined> = ServerSpec<S, CallOf<S, PathParamsOf<O>, QueryOut<O>, BodyOut<O>>, T, ResponseIn<O>>;

/**
 * One row of the route table: the router registers it, the pipeline enforces what it declares
 * (scope, permission, query and body schemas) before the handler, and /openapi.json shows it.
 */
export interface RouteSpec<S extends Scope, P extends string, Q extends z.ZodType | undefined, B extends z.ZodType | undefined, T extends Versioned | undefined>
  extends ServerSpec<S, CallOf<S, ParamsOf<P>, QueryOf<Q>, BodyOf<B>>, T, unknown>,
    Omit<OperationSpec, "path" | "query" | "body"> {
  path: P;
  /** Unique, camelCase: the generated clients' method name. */
  operationId: string;
  query?: Q;
  body?: B;
}

// The table holds routes of every scope and schema; each was type-checked where it was built.
// One member per scope, so the pipeline's `switch (def.scope)` narrows the handler's call.
export type RouteDef = { [S in Scope]: RouteSpec<S, string, any, any, any> }[Scope];

/**
 * Declares a route: the operation (schema/*.operations.ts) says what client and server agree on,
 * the rest is the server's (scope, permission, guards, handler), typed by the operation, so a
 * handler that takes or returns another shape than the operation's does not compile. Scope and
 * permission are required by the type, and checked again at run time (`assertDeclared`), so a
 * route can never reach the router without them.
 */
export function route<S extends Scope, O extends Operation, T extends Versioned | undefined = undefined>(operation: O, server: RouteOf<S, O, T>): RouteDef;
/**
 * The same, operation and server concerns in one object: only for routes whose operation is not
 * in schema/ yet (backend/usage/usage.routes.ts); moving its fields method, path, operationId,
 * summary, status, query, body and response into an `operations({...})` table converts it.
 */
export function route<S extends Scope, P extends string, Q extends z.ZodType | undefined = undefined, B extends z.ZodType | undefined = undefined, T extends Versioned | undefined = undefined>(
  def: RouteSpec<S, P, Q, B, T>,
): RouteDef;
export function route(operation: object, server?: object): RouteDef {
  return { ...operation, ...server } as RouteDef;
}

/** Throws, naming the route, unless it declares a known scope and one of that scope's permissions. */
export function assertDeclared(def: Partial<RouteDef>): void {
  const name = `route ${def.method ?? "?"} ${def.path ?? "?"}`;
  if (!def.scope || !SCOPES.includes(def.scope)) throw new Error(`${name} must declare a scope (one of ${SCOPES.join(", ")})`);
  const permissions = Object.keys(PERMISSIONS[def.scope]);
  if (!def.permission || !permissions.includes(def.permission)) {
    throw new Error(`${name} must declare a permission of scope ${def.scope} (one of ${permissions.join(", ")})`);
  }
  const path = def.path ?? "";
  if (def.scope === "organization" && !path.includes("{orgId}")) throw new Error(`${name} has scope organization but no {orgId} in its path`);
  if (def.scope === "project" && !path.includes("{projectId}")) throw new Error(`${name} has scope project but no {projectId} in its path`);
  if (!def.operationId || !/^[a-z][A-Za-z0-9]*$/.test(def.operationId)) throw new Error(`${name} must declare a camelCase operationId`);
  if (def.rateLimit === false && def.scope !== "none") throw new Error(`${name} may not leave the request limit: only unauthenticated routes may (rateLimit: false)`);
  if (typeof def.handler !== "function") throw new Error(`${name} must have a handler`);
  const unknown = paramNames(path).filter((p) => !isPathParam(p));
  if (unknown.length > 0) throw new Error(`${name} names {${unknown.join("}, {")}} in its path: a path parameter is an id of a known kind (${Object.keys(PATH_PARAMS).join(", ")}); add it to PATH_PARAMS in schema/path-params.ts`);
  if (def.ifMatch && def.method !== "PATCH" && def.method !== "DELETE") throw new Error(`${name} declares ifMatch, which only a PATCH or DELETE of an existing object can honour`);
  if (def.beforeBody && def.scope !== "gateway") throw new Error(`${name} declares beforeBody, which only a gateway-scope route runs`);
  if (def.sliced && def.scope !== "gateway") throw new Error(`${name} declares sliced, which only a gateway-scope route validates`);
  if (def.activeProject && (def.scope !== "project" || def.method === "GET")) throw new Error(`${name} declares activeProject, which only a write of project scope can honour`);
}

/** The handler's alternate answer: the pipeline answers it with the status its operation declares (`alternate`). */
export function alternate<T>(body: T): Alternate<T> {
  return new Alternate(body);
}

/** `/v1/organizations/{orgId}` → `/v1/organizations/:orgId` for Fastify's router. */
export function toRouterPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ":$1");
}

/** The entity tag of an object that carries a `version` (read, changed or created, or a replay of a creation). */
export const versionOf = (body: unknown): number | undefined => {
  const version = (body as { version?: unknown } | null)?.version;
  return typeof version === "number" ? version : undefined;
};
