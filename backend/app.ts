import Fastify, { FastifyInstance, FastifyReply, FastifyRequest, LogController } from "fastify";
import type { DestinationStream } from "pino";
import { TenancyError } from "../schema/errors";
import { AuthCache } from "./auth/auth-cache";
import { resolveCaller } from "./auth/caller";
import { signInDefaults } from "./auth/context";
import { resolveGateway } from "./usage/gateway-caller";
import { newRequestId, scrubSecrets } from "./auth/credentials";
import type { Config } from "./config";
import { errorHandler, sendProblem } from "./http/errors";
import { clientErrorHandler, frameworkError } from "./http/framework-errors";
import { registerJsonParser } from "./http/json-body";
import { Metrics } from "./http/metrics";
import { pipeline, Principal } from "./http/pipeline";
import { RateLimiter } from "./http/rate-limit";
import { logCompleted, requestFields, requestLogger } from "./http/request-log";
import { assertDeclared, RouteDef, toRouterPath } from "./http/route";
import { API_ROUTES, authRoutes, invitationRoutes, systemRoutes } from "./routes";
import { pageRoutes } from "./sign-in/pages.routes";
import { signInRuntime } from "./sign-in/sign-in.runtime";
import type { Store } from "./store/db";
import type { UsageRuntime } from "./usage/usage.runtime";

export interface AppDeps {
  config: Config;
  store: Store;
  /** The data plane's runtime (startUsage); `app.close()` closes it, then the store. */
  usage: UsageRuntime;
  /** Where log lines go (stdout unless given; tests capture them). */
  logStream?: DestinationStream;
  /** Replaces the route table (tests of the build-time checks); the system routes are added. */
  routes?: readonly RouteDef[];
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Never logged: credentials travel in these. The request line carries no headers at all (method,
 * scrubbed URL, address and id: `requestFields`, and the template in `logCompleted`), so
 * redaction guards the other shapes the backend logs: `err`, and start-up and shutdown facts.
 * Explicit paths, no wildcards and nothing under `req`: either makes pino walk or copy every
 * line it writes (secrets.test.ts reads the log for any credential).
 */
const REDACT = ["token", "secret", "password", "authorization", "err.token", "err.secret", "err.password", "err.authorization"];

/**
 * What every request leaves behind when it completes: one log line (method, path, status, time),
 * not Fastify's two, and its count and duration in the metrics. Both here, where Fastify calls
 * anyway (for every request, since the app always has a logger): an onResponse hook would add a
 * hook run to every request for the metrics alone.
 */
class RequestCompleted extends LogController {
  constructor(private readonly metrics: Metrics) {
    super();
  }
  override incomingRequest(): void {}
  override requestCompleted(error: Error | null | undefined, req: FastifyRequest, reply: FastifyReply): void {
    this.metrics.observe(req.method, req.routeOptions.url ?? "unmatched", reply.statusCode, reply.elapsedTime / 1000);
    if (error) reply.log.error({ req, res: { statusCode: reply.statusCode }, responseTime: reply.elapsedTime, err: error }, "request errored");
    else logCompleted(req, reply);
  }
}

declare module "fastify" {
  interface FastifyRequest {
    /** Who the onRequest hook found behind the request (null until it ran). */
    principal: Principal | null;
  }
}

const NOBODY: Principal = Object.freeze({ kind: "none" });

/** Builds the Fastify app (routes, error handling, logging, metrics); never listens. */
export function buildApp({ config, store, usage, logStream, routes: tableRoutes = API_ROUTES }: AppDeps): FastifyInstance {
  const metrics = new Metrics(usage);
  const signIn = signInRuntime(config);
  const apiRoutes = [...tableRoutes, ...authRoutes(signIn), ...invitationRoutes(config.publicUrl)];
  const routes: RouteDef[] = [...apiRoutes, ...systemRoutes(metrics, apiRoutes)];
  // A route that forgot its scope or permission stops the server here, before it ever listens.
  for (const def of routes) assertDeclared(def);

  const limiter = new RateLimiter(config.rateLimitPerMinute);
  const authCache = new AuthCache(config.authCacheMs);
  const app = Fastify({
    logger: {
      level: config.logLevel,
      ...(logStream ? { stream: logStream } : {}),
      redact: { paths: REDACT, censor: "[redacted]" },
      serializers: {
        req: requestFields,
      },
    },
    bodyLimit: config.bodyLimit,
    // A client that dribbles its headers or body never holds a connection for longer than this.
    requestTimeout: config.requestTimeoutMs,
    connectionTimeout: config.requestTimeoutMs,
    http: { headersTimeout: config.requestTimeoutMs, connectionsCheckingInterval: Math.min(30_000, Math.max(100, config.requestTimeoutMs / 4)) },
    // Fastify's trustProxy takes CIDRs: X-Forwarded-For is believed only from these peers.
    trustProxy: config.trustedProxies.length > 0 ? [...config.trustedProxies] : false,
    logController: new RequestCompleted(metrics),
    childLoggerFactory: requestLogger as never,
    requestIdHeader: false,
    genReqId: (req) => {
      const h = req.headers["x-request-id"];
      return typeof h === "string" && REQUEST_ID.test(h) ? h : newRequestId();
    },
    onProtoPoisoning: "error",
    onConstructorPoisoning: "error",
    // Long malformed ids must reach the handlers and get the ordinary 404, not a 414.
    routerOptions: { maxParamLength: 2000 },
    frameworkErrors: frameworkError,
    clientErrorHandler: clientErrorHandler(config.requestTimeoutMs),
  });

  // A request property declared up front (Fastify keeps the object's shape stable), not a
  // WeakMap keyed by request: its entries cost the garbage collector on every request.
  app.decorateRequest("principal", null);
  registerJsonParser(app);
  app.setErrorHandler(errorHandler);
  // Its own code: a client pointed at a wrong path must never take this for a deleted object.
  // Counted against the client address like any unauthenticated call: probing paths buys no more requests.
  app.setNotFoundHandler(async (req, reply) => {
    await limiter.check(`ip:${req.ip}`, reply);
    return sendProblem(reply, new TenancyError("unknown_route", `no route ${req.method} ${scrubSecrets(req.url.split("?")[0])}; GET /openapi.json lists every route`), req.id);
  });
  // The caller is resolved before the body is read: an anonymous caller learns nothing from a 400 or 413.
  // Every answer names its request; error answers set the header again in sendProblem (a 404 for
  // an unknown route never reaches a route's hook).
  const authenticate = (def: RouteDef) => async (req: FastifyRequest, reply: FastifyReply) => {
    reply.header("x-request-id", req.id);
    const now = new Date();
    if (def.scope === "none") {
      req.principal = NOBODY;
      return limiter.check(`ip:${req.ip}`, reply);
    }
    try {
      if (def.scope === "gateway") {
        // The data plane has its own limits (per project, per gateway); the management limit does not apply.
        const gateway = await resolveGateway(store, req.headers.authorization, now, authCache);
        req.principal = { kind: "gateway", gateway };
        try {
          if (def.beforeBody) {
            const ended = new AbortController();
            reply.raw.once("close", () => ended.abort());
            const length = Number(req.headers["content-length"]);
            await def.beforeBody(gateway, usage, { bytes: Number.isSafeInteger(length) && length >= 0 ? length : undefined, ended: ended.signal });
          }
        } catch (error) {
          // Refused on its headers: closing the connection spares reading the body still on its
          // way (up to the route's body limit), which a sender that ignores Retry-After would
          // otherwise make this process drain, batch after batch.
          reply.header("connection", "close");
          throw error;
        }
      } else {
        const caller = await resolveCaller(store, req.headers.authorization, now, authCache);
        req.principal = { kind: "user", caller };
        // Per principal, not per token: minting more tokens buys no more requests.
        await limiter.check(`user:${caller.user.id}`, reply);
      }
    } catch (error) {
      if (error instanceof TenancyError && error.code === "unauthenticated") await limiter.check(`ip:${req.ip}`, reply);
      throw error;
    }
  };
  // A route exempt from the limit (health checks) needs no caller either: a callback hook, no promise.
  const unlimited = (req: FastifyRequest, reply: FastifyReply, done: () => void) => {
    reply.header("x-request-id", req.id);
    req.principal = NOBODY;
    done();
  };
  // Everything the app was given or started ends with it; the store last, since the data plane's
  // runtime may still write settlements while it closes. (The log stream stays the caller's: it
  // must outlive the app to record how the rest of shutdown went.)
  app.addHook("onClose", async () => {
    try {
      await usage.close();
    } finally {
      await store.close();
    }
  });
  const deps = { store, usage, authCache, signIn: signInDefaults(config), secrets: signIn.secrets, principalOf: (req: FastifyRequest) => req.principal ?? NOBODY };

  for (const def of routes) {
    app.route({ method: def.method, url: toRouterPath(def.path), bodyLimit: def.bodyLimit, onRequest: def.rateLimit === false ? unlimited : authenticate(def), handler: pipeline(def, deps) });
  }
  app.register(async (scope) => pageRoutes(scope, { store, limiter, ...signIn }));
  return app;
}
