import Fastify, { FastifyInstance, FastifyRequest } from "fastify";
import { TenancyError } from "../schema/errors";
import { resolveCaller } from "./auth/caller";
import { newId, scrubSecrets } from "./auth/credentials";
import type { Config } from "./config";
import { errorHandler, sendProblem } from "./http/errors";
import { etagOf } from "./http/etag";
import { parseInput } from "./http/validate";
import { Metrics } from "./http/metrics";
import { RateLimiter } from "./http/rate-limit";
import { Reply, RouteDef, toRouterPath } from "./http/route";
import { API_ROUTES, systemRoutes } from "./routes";
import type { Caller } from "./services/context";
import type { Store } from "./store/db";

export interface AppDeps {
  config: Config;
  store: Store;
  /** Where log lines go (stdout unless given; tests capture them). */
  logStream?: NodeJS.WritableStream;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Never logged, wherever they appear: credentials travel in these. */
const REDACT = ["req.headers.authorization", "req.headers.cookie", 'req.headers["idempotency-key"]', "*.token", "*.secret", "*.password"];

// Fastify's parser reports every refusal alike; well-formed JSON it refused carried a
// "__proto__" or "constructor.prototype" key, which would reach object prototypes downstream.
const prototypeKey = () =>
  new TenancyError("invalid_request", '(body): must not contain a "__proto__" or "constructor.prototype" key', {
    errors: [{ path: "(body)", message: 'must not contain a "__proto__" or "constructor.prototype" key' }],
  });
function isPlainJson(body: string): boolean {
  try {
    JSON.parse(body);
    return true;
  } catch {
    return false;
  }
}

/** Builds the Fastify app (routes, error handling, logging, metrics); never listens. */
export function buildApp({ config, store, logStream }: AppDeps): FastifyInstance {
  const metrics = new Metrics();
  const limiter = new RateLimiter(config.rateLimitPerMinute);
  const callers = new WeakMap<FastifyRequest, { caller: Caller; now: Date }>();
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

  // Many clients send a JSON content type on every request: an empty body is "no body" (a DELETE
  // then works, a POST fails validation by field), not a parse error.
  const json = app.getDefaultJsonParser("error", "error");
  const parseJson = (req: FastifyRequest, body: string, done: (err: Error | null, value?: unknown) => void) => {
    if (body === "") return done(null, undefined);
    json(req, body, (err, value) => done(err && isPlainJson(body) ? prototypeKey() : err, value));
  };
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser(["application/json", "application/merge-patch+json"], { parseAs: "string" }, parseJson);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((req, reply) => sendProblem(reply, new TenancyError("not_found", `no route ${req.method} ${scrubSecrets(req.url.split("?")[0])}`), req.id));
  app.addHook("onSend", async (req, reply) => {
    reply.header("x-request-id", req.id);
  });
  app.addHook("onResponse", async (req, reply) => {
    metrics.observe(req.method, req.routeOptions.url ?? "unmatched", reply.statusCode, reply.elapsedTime / 1000);
  });

  // Authentication runs before the body is read: an anonymous caller learns nothing from a 400 or 413.
  const authenticate = async (req: FastifyRequest) => {
    const now = new Date();
    const caller = await resolveCaller(store, req.headers.authorization, now);
    limiter.check(caller.token.id, now.getTime());
    callers.set(req, { caller, now });
  };

  const routes: RouteDef[] = [...API_ROUTES, ...systemRoutes(metrics, API_ROUTES)];
  for (const def of routes) {
    app.route({
      method: def.method,
      url: toRouterPath(def.path),
      onRequest: def.auth ? authenticate : undefined,
      bodyLimit: def.bodyLimit,
      handler: async (req, reply) => {
        const query = def.query ? parseInput(def.query, req.query) : req.query;
        const base = { store, params: req.params as Record<string, string>, query, body: req.body, headers: req.headers };
        let result: Reply;
        if (def.auth) {
          const { caller, now } = callers.get(req)!;
          const ifMatch = typeof req.headers["if-match"] === "string" ? req.headers["if-match"] : undefined;
          const ctx = { store, caller, ip: req.ip, requestId: req.id, now: now.toISOString(), ifMatch };
          result = await def.handler({ ...base, ctx, path: req.url.split("?")[0] });
        } else {
          result = await def.handler(base);
        }
        if (result.etag !== undefined) reply.header("etag", etagOf(result.etag));
        if (result.contentType) reply.type(result.contentType);
        reply.status(result.status);
        return result.status === 204 ? reply.send() : reply.send(result.body);
      },
    });
  }
  return app;
}
