import { randomBytes } from "node:crypto";
import { Backend } from "../support/backend";
import { Api, client, expectStatus } from "../backend/helpers";

/**
 * Shared set-up of the usage suites: an organization with a dev and a prod project (each with
 * its own limits and key) and a gateway client that speaks the data plane with a project key.
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
  return { id: p.id, keyId: k.id, key: k.secret, gateway: gateway(backend, k.secret) };
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
}

export function gateway(backend: Backend, key: string, url = () => backend.url) {
  const api = client({ get url() { return url(); } } as Backend, key);
  return {
    authorize: (body: Record<string, unknown>) => api.post("/v1/authorize", body),
    usage: (events: UsageEventInput[]) => api.post("/v1/usage", { events }),
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
