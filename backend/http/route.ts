import type { IncomingHttpHeaders } from "node:http";
import type { z } from "zod";
import type { Ctx } from "../services/context";
import type { Store } from "../store/db";

export type Method = "GET" | "POST" | "PATCH" | "DELETE";

/** What a handler answers; the app turns it into a response (ETag from `version`). */
export interface Reply {
  status: number;
  body?: unknown;
  /** Sets a quoted `ETag` from the object's version. */
  etag?: number;
  contentType?: string;
}

/** `Q` is the route's query, already parsed with its `query` schema (raw when it declares none). */
export interface PublicCall<Q = Record<string, unknown>> {
  store: Store;
  params: Record<string, string>;
  query: Q;
  body: unknown;
  headers: IncomingHttpHeaders;
}

export interface Call<Q = Record<string, unknown>> extends PublicCall<Q> {
  ctx: Ctx;
  /** The request path without its query string, part of the idempotency fingerprint. */
  path: string;
}

interface RouteBase<Q extends z.ZodType> {
  method: Method;
  /** OpenAPI path template (`/v1/organizations/{orgId}`): the one route table both serve. */
  path: string;
  summary: string;
  status: number;
  /** Documents the query string and validates it before the handler runs: one schema for both. */
  query?: Q;
  body?: z.ZodType;
  response?: z.ZodType;
  /** Largest body this route accepts, when it differs from TENANCY_BODY_LIMIT_BYTES (a usage batch). */
  bodyLimit?: number;
}

/** The handler's query: parsed by the route's schema, or the raw query when it declares none. */
type QueryOf<Q extends z.ZodType> = unknown extends z.output<Q> ? Record<string, unknown> : z.output<Q>;

export interface AuthedRoute<Q extends z.ZodType = z.ZodType> extends RouteBase<Q> {
  auth: true;
  handler(call: Call<QueryOf<Q>>): Promise<Reply>;
}

export interface PublicRoute<Q extends z.ZodType = z.ZodType> extends RouteBase<Q> {
  auth: false;
  handler(call: PublicCall<QueryOf<Q>>): Promise<Reply>;
}

// The table holds routes of every query type; each was type-checked where it was built.
export type RouteDef = AuthedRoute<any> | PublicRoute<any>;

/** A route behind a management token. */
export function route<Q extends z.ZodType = z.ZodType>(def: Omit<AuthedRoute<Q>, "auth">): AuthedRoute<Q> {
  return { ...def, auth: true };
}

export function publicRoute<Q extends z.ZodType = z.ZodType>(def: Omit<PublicRoute<Q>, "auth">): PublicRoute<Q> {
  return { ...def, auth: false };
}

/** `/v1/organizations/{orgId}` → `/v1/organizations/:orgId` for Fastify's router. */
export function toRouterPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ":$1");
}

export const ok = (body: unknown, etag?: number): Reply => ({ status: 200, body, etag });
export const noContent = (): Reply => ({ status: 204 });
