import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { Backend } from "../support/backend";
import { Api, client, expectStatus } from "../backend/helpers";
import { storeGateway } from "../support/gateway";

/**
 * Shared set-up of the usage suites: an organization with a dev and a prod project (each with
 * its own limits and key) and a gateway client that speaks the data plane for that key with the
 * store's gateway credential, as the operator's gateway does.
 */

export interface Limits {
  requestsPerMinute?: number;
  tokensPerMinute?: number;
  monthlyBudgetUsd?: number;
  allowedModels?: string[];
}

export interface Project {
  id: string;
  keyId: string;
  key: string;
  gateway: Gateway;
}

export interface Tenant {
  root: Api;
  orgId: string;
  projects: Record<string, Project>;
}

const PROD_CHECKLIST = { owner: "root@tenancy.test", keyOwner: "root@tenancy.test", escalationContact: "root@tenancy.test", expectedMonthlySpendUsd: 100 };

export async function createProject(backend: Backend, root: Api, orgId: string, name: string, limits: Limits = {}, env = "development"): Promise<Project> {
  const extra = env === "production" ? PROD_CHECKLIST : {};
  const p = expectStatus(await root.post(`/v1/organizations/${orgId}/projects`, { name, environment: env, limits, ...extra }), 201);
  expectStatus(await root.post(`/v1/organizations/${orgId}/projects/${p.id}/members`, { email: backend.email, role: "owner" }), 201);
  const k = expectStatus(await root.post(`/v1/organizations/${orgId}/projects/${p.id}/api-keys`, { name: `${name}-key`, owner: backend.email }), 201);
  return { id: p.id, keyId: k.id, key: k.secret, gateway: gateway(backend, await storeGateway(backend.databaseUrl), { key: k.secret, keyId: k.id }) };
}

/** dev and prod, each with its own limits; the bootstrap user is org admin. */
export async function tenant(backend: Backend, limits: Record<string, Limits> = {}): Promise<Tenant> {
  const root = client(backend, backend.token);
  const orgId = expectStatus(await root.post("/v1/organizations", { name: `Usage ${randomBytes(3).toString("hex")}` }), 201).id;
  const projects: Record<string, Project> = {};
  for (const name of Object.keys(limits).length ? Object.keys(limits) : ["dev", "prod"]) {
    projects[name] = await createProject(backend, root, orgId, name, limits[name] ?? {}, name === "prod" ? "production" : "development");
  }
  return { root, orgId, projects };
}

export interface UsageEventInput {
  eventId: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  at?: string;
  reservationId?: string;
  apiKeyId?: string;
}

/**
 * The gateway's two calls for one client key, with a gateway credential: authorize sends the
 * client's key in the body; an event that names no reservation names the key (`apiKeyId`).
 */
export function gateway(backend: Backend, credential: string, subject: { key: string; keyId: string }, url = () => backend.url) {
  const api = client({ get url() { return url(); } } as Backend, credential);
  return {
    authorize: (body: Record<string, unknown>) => api.post("/v1/authorize", { apiKey: subject.key, ...body }),
    usage: (events: UsageEventInput[]) => api.post("/v1/usage", { events: events.map((e) => (e.reservationId || e.apiKeyId ? e : { ...e, apiKeyId: subject.keyId })) }),
  };
}
export type Gateway = ReturnType<typeof gateway>;

let n = 0;
/** A unique eventId for this run. */
export const eventId = (tag = "e") => `${tag}-${process.pid}-${Date.now().toString(36)}-${n++}`;

/** micro-USD from a "12.345678" string, for exact sums in tests. */
export const micros = (usd: string) => {
  const [whole, frac] = usd.split(".");
  return Number(whole) * 1_000_000 + Number(frac);
};

/** Polls `check` until it returns true; fails after `attempts` tries (the test asserts the outcome, not a duration). */
export async function eventually(check: () => Promise<boolean>, what: string, attempts = 200): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`never happened: ${what}`);
}

export const REDIS_URL = process.env.TENANCY_TEST_REDIS_URL;
/** A Redis key prefix of its own for each test, so parallel runs and reruns never share counters. */
export const redisPrefix = () => `tenancy-test-${randomBytes(4).toString("hex")}:`;

/**
 * What a refusal takes and says, the same in process and with Redis: a request refused by one
 * limit gives back what it took from the others, one no minute can admit says so without a
 * Retry-After, and one kept out only by live holds is told to come back when they lapse.
 */
export function refusalTests(backend: () => Backend): void {
  let t: Tenant;
  before(async () => {
    t = await tenant(backend(), { tight: { requestsPerMinute: 3, tokensPerMinute: 10_000, monthlyBudgetUsd: 0.01 }, small: { tokensPerMinute: 100 }, held: { monthlyBudgetUsd: 0.01 }, big: { monthlyBudgetUsd: 0.01 }, paced: { requestsPerMinute: 1, monthlyBudgetUsd: 10 } });
  });

  it("gives back a request's count and tokens when another limit refuses it", async () => {
    const p = t.projects.tight.gateway;
    // 2,000 output tokens of gpt-4o are 0.02 USD, more than the whole 0.01 budget.
    for (let i = 0; i < 3; i++) assert.equal(expectStatus(await p.authorize({ model: "gpt-4o", maxOutputTokens: 2000 }), 429).limit, "monthlyBudgetUsd");
    const { requestsPerMinute, tokensPerMinute } = expectStatus(await p.authorize({ model: "gpt-4o", maxOutputTokens: 10 }), 200).limits;
    assert.deepEqual([requestsPerMinute.remaining, tokensPerMinute.remaining], [2, 9_990]);
  });

  it("names the per-minute limit that refused, not the budget beside it, and resets the window ahead", async () => {
    const p = t.projects.paced.gateway;
    const before = Date.now();
    const { requestsPerMinute } = expectStatus(await p.authorize({ model: "gpt-4o" }), 200).limits;
    assert.ok(Date.parse(requestsPerMinute.resetAt) > before, requestsPerMinute.resetAt);
    assert.equal(expectStatus(await p.authorize({ model: "gpt-4o" }), 429).limit, "requestsPerMinute");
  });

  it("says without a Retry-After that an estimate over the whole tokens-per-minute limit never fits", async () => {
    const res = await t.projects.small.gateway.authorize({ model: "gpt-4o", inputTokens: 1, maxOutputTokens: 100 });
    assert.deepEqual([expectStatus(res, 429).limit, res.headers["retry-after"]], ["tokensPerMinute", undefined]);
    assert.equal(res.body.detail, "tokensPerMinute exceeded: this request's estimate of 101 tokens (inputTokens + maxOutputTokens) is more than the project's whole 100 tokens per minute, so no minute can admit it; ask for fewer tokens or raise the limit");
    assert.equal(expectStatus(await t.projects.small.gateway.authorize({ model: "gpt-4o", maxOutputTokens: 100 }), 200).limits.tokensPerMinute.remaining, 0);
  });

  it("tells a request kept out only by live holds to retry when they lapse, not at the month's end", async () => {
    const p = t.projects.held.gateway;
    expectStatus(await p.authorize({ model: "gpt-4o", maxOutputTokens: 800 }), 200);
    const res = await p.authorize({ model: "gpt-4o", maxOutputTokens: 800 });
    assert.equal(expectStatus(res, 429).limit, "monthlyBudgetUsd");
    assert.equal(res.headers["retry-after"], "300");
  });

  it("tells a request that would not fit even once the holds lapse to retry at the month's end", async () => {
    const p = t.projects.big.gateway;
    expectStatus(await p.authorize({ model: "gpt-4o", maxOutputTokens: 800 }), 200);
    // 0.02 USD: more than the whole 0.01 budget, held or not.
    const res = await p.authorize({ model: "gpt-4o", maxOutputTokens: 2000 });
    assert.equal(expectStatus(res, 429).limit, "monthlyBudgetUsd");
    const now = new Date();
    const monthEnd = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
    assert.ok(Math.abs(Number(res.headers["retry-after"]) - (monthEnd - now.getTime()) / 1000) < 120, res.headers["retry-after"]);
    // 0.01 USD, the whole budget: it fits exactly once the hold lapses.
    const exact = await p.authorize({ model: "gpt-4o", maxOutputTokens: 1000 });
    assert.deepEqual([expectStatus(exact, 429).limit, exact.headers["retry-after"]], ["monthlyBudgetUsd", "300"]);
  });
}
