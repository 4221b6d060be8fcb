"use strict";
/**
 * The least POST /v1/authorize can cost with Fastify: the JSON body parsed, the gateway
 * credential and the client's key (from the body) each found in memory by its hash, three in-process counters (requests and tokens this minute, spend this
 * month) checked and advanced, a random reservation id, and the answer in the server's shape,
 * plus the log line and metrics every request pays. No validation, prices, Redis or database.
 * Env: FLOOR_GATEWAY, FLOOR_KEY, FLOOR_LOG.
 */
const { createHash, randomBytes } = require("node:crypto");
const { duties, bearerHash, listen } = require("./common");

const LIMIT = 1e9;
const sha256 = (s) => createHash("sha256").update(s).digest("hex");
const gateways = new Set([sha256(process.env.FLOOR_GATEWAY)]);
const keys = new Map([[sha256(process.env.FLOOR_KEY), { apiKeyId: "key_floor", projectId: "proj_floor", organizationId: "org_floor" }]]);
const counters = new Map();
const add = (name, n) => {
  const v = (counters.get(name) ?? 0) + n;
  counters.set(name, v);
  return v;
};

const app = require("fastify")();
duties(app, process.env.FLOOR_LOG);
app.post("/v1/authorize", async (req, reply) => {
  if (!gateways.has(bearerHash(req))) return reply.status(401).send({ code: "unauthenticated" });
  const { apiKey, model, inputTokens = 0, maxOutputTokens = 0 } = req.body ?? {};
  const key = typeof apiKey === "string" ? keys.get(sha256(apiKey)) : undefined;
  if (!key) return reply.status(403).send({ code: "key_invalid" });
  if (typeof model !== "string") return reply.status(400).send({ code: "invalid_request" });
  const now = new Date();
  const minute = Math.floor(now.getTime() / 60_000);
  const month = `${now.getUTCFullYear()}-${now.getUTCMonth() + 1}`;
  const requests = add(`${key.projectId}:r:${minute}`, 1);
  const tokens = add(`${key.projectId}:t:${minute}`, inputTokens + maxOutputTokens);
  const spent = add(`${key.projectId}:b:${month}`, 37);
  const resetAt = new Date((minute + 1) * 60_000).toISOString();
  const monthEnd = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1)).toISOString();
  return {
    ...key,
    reservationId: `res_${randomBytes(16).toString("hex")}`,
    limits: {
      requestsPerMinute: { limit: LIMIT, remaining: LIMIT - requests, resetAt },
      tokensPerMinute: { limit: LIMIT, remaining: LIMIT - tokens, resetAt },
      monthlyBudgetUsd: { limit: (LIMIT).toFixed(6), remaining: ((LIMIT * 1e6 - spent) / 1e6).toFixed(6), resetAt: monthEnd },
    },
  };
});
listen(app);
