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

export interface PublicCall {
  store: Store;
  params: Record<string, string>;
  query: Record<string, unknown>;
  body: unknown;
  headers: IncomingHttpHeaders;
}

export interface Call extends PublicCall {
  ctx: Ctx;
  /** The request path without its query string, part of the idempotency fingerprint. */
  path: string;
}

interface RouteBase {
  method: Method;
  /** OpenAPI path template (`/v1/organizations/{orgId}`): the one route table both serve. */
  path: string;
  summary: string;
  status: number;
  query?: z.ZodType;
  body?: z.ZodType;
  response?: z.ZodType;
}

export interface AuthedRoute extends RouteBase {
  auth: true;
  handler(call: Call): Promise<Reply>;
}

export interface PublicRoute extends RouteBase {
  auth: false;
  handler(call: PublicCall): Promise<Reply>;
}

export type RouteDef = AuthedRoute | PublicRoute;

/** A route behind a management token. */
export function route(def: Omit<AuthedRoute, "auth">): AuthedRoute {
  return { ...def, auth: true };
}

export function publicRoute(def: Omit<PublicRoute, "auth">): PublicRoute {
  return { ...def, auth: false };
}

/** `/v1/organizations/{orgId}` → `/v1/organizations/:orgId` for Fastify's router. */
export function toRouterPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ":$1");
}

export const ok = (body: unknown, etag?: number): Reply => ({ status: 200, body, etag });
export const noContent = (): Reply => ({ status: 204 });
