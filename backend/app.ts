import Fastify, { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { TenancyError } from "../schema/errors";
import { ApiKeyResolver, resolveApiKey as resolveApiKeyUncached } from "./auth/api-key-caller";
import { resolveCaller } from "./auth/caller";
import { newId, scrubSecrets } from "./auth/credentials";
import type { Config } from "./config";
import { errorHandler, sendProblem } from "./http/errors";
import { registerJsonParser } from "./http/json-body";
import { Metrics } from "./http/metrics";
import { pipeline, Principal } from "./http/pipeline";
import { RateLimiter } from "./http/rate-limit";
import { assertDeclared, RouteDef, toRouterPath } from "./http/route";
import { API_ROUTES, systemRoutes } from "./routes";
import type { Store } from "./store/db";

export interface AppDeps {
  config: Config;
  store: Store;
  /** Where log lines go (stdout unless given; tests capture them). */
  logStream?: NodeJS.WritableStream;
  /** Replaces the route table (tests of the build-time checks); the system routes are added. */
  routes?: readonly RouteDef[];
  /** Resolves the data plane's `Bearer tpk_…` (e.g. a cached resolver); the uncached one by default. */
  resolveApiKey?: ApiKeyResolver;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Never logged, wherever they appear: credentials travel in these. */
const REDACT = ["req.headers.authorization", "req.headers.cookie", 'req.headers["idempotency-key"]', "*.token", "*.secret", "*.password"];

const NOBODY: Principal = Object.freeze({ kind: "none" });

/** Builds the Fastify app (routes, error handling, logging, metrics); never listens. */
export function buildApp({ config, store, logStream, routes: apiRoutes = API_ROUTES, resolveApiKey = resolveApiKeyUncached }: AppDeps): FastifyInstance {
  const metrics = new Metrics();
  const routes: RouteDef[] = [...apiRoutes, ...systemRoutes(metrics, apiRoutes)];
  // A route that forgot its scope or permission stops the server here, before it ever listens.
  for (const def of routes) assertDeclared(def);

  const limiter = new RateLimiter(config.rateLimitPerMinute);
  const principals = new WeakMap<FastifyRequest, Principal>();
  const app = Fastify({
    logger: {
      level: config.logLevel,
      ...(logStream ? { stream: logStream } : {}),
      redact: { paths: REDACT, censor: "[redacted]" },
      serializers: {
        req: (req) => ({ method: req.method, url: scrubSecrets(req.url), remoteAddress: req.ip, requestId: req.id }),
      },
    },
    bodyLimit: config.bodyLimit,
    // A client that dribbles its headers or body never holds a connection for longer than this.
    requestTimeout: config.requestTimeoutMs,
    connectionTimeout: config.requestTimeoutMs,
    http: { headersTimeout: config.requestTimeoutMs, connectionsCheckingInterval: Math.min(30_000, Math.max(100, config.requestTimeoutMs / 4)) },
    // Fastify's trustProxy takes CIDRs: X-Forwarded-For is believed only from these peers.
    trustProxy: config.trustedProxies.length > 0 ? [...config.trustedProxies] : false,
    requestIdHeader: false,
    genReqId: (req) => {
      const h = req.headers["x-request-id"];
      return typeof h === "string" && REQUEST_ID.test(h) ? h : newId("req");
    },
    onProtoPoisoning: "error",
    onConstructorPoisoning: "error",
    // Long malformed ids must reach the handlers and get the ordinary 404, not a 414.
    routerOptions: { maxParamLength: 2000 },
  });

  registerJsonParser(app);
  app.setErrorHandler(errorHandler);
  // Its own code: a client pointed at a wrong path must never take this for a deleted object.
  app.setNotFoundHandler((req, reply) =>
    sendProblem(reply, new TenancyError("unknown_route", `no route ${req.method} ${scrubSecrets(req.url.split("?")[0])}; GET /openapi.json lists every route`), req.id),
  );
  app.addHook("onSend", async (req, reply) => {
    reply.header("x-request-id", req.id);
  });
  app.addHook("onResponse", async (req, reply) => {
    metrics.observe(req.method, req.routeOptions.url ?? "unmatched", reply.statusCode, reply.elapsedTime / 1000);
  });

  // The caller is resolved before the body is read: an anonymous caller learns nothing from a 400 or 413.
  const authenticate = (def: RouteDef) => async (req: FastifyRequest, reply: FastifyReply) => {
    const now = new Date();
    if (def.scope === "none") {
      principals.set(req, NOBODY);
      return limiter.check(`ip:${req.ip}`, reply);
    }
    try {
      if (def.scope === "apiKey") {
        // The data plane has its own per-project limits; the management limit does not apply.
        principals.set(req, { kind: "apiKey", key: await resolveApiKey(store, req.headers.authorization, now) });
      } else {
        const caller = await resolveCaller(store, req.headers.authorization, now);
        principals.set(req, { kind: "user", caller });
        // Per principal, not per token: minting more tokens buys no more requests.
        await limiter.check(`user:${caller.user.id}`, reply);
      }
    } catch (error) {
      if (error instanceof TenancyError && error.code === "unauthenticated") await limiter.check(`ip:${req.ip}`, reply);
      throw error;
    }
  };
  const deps = { store, principalOf: (req: FastifyRequest) => principals.get(req) ?? NOBODY };

  for (const def of routes) {
    app.route({ method: def.method, url: toRouterPath(def.path), bodyLimit: def.bodyLimit, onRequest: authenticate(def), handler: pipeline(def, deps) });
  }
  return app;
}
