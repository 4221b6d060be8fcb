import { randomBytes } from "node:crypto";
import { Backend, Dialect, startBackend } from "../test/support/backend";
import { storeGateway } from "../test/support/gateway";
import { tenant } from "../test/usage/support";
import { openStore } from "../backend/store/db";
import { prepareEvents, PricedEvent, writeEvents } from "../backend/usage/usage.repository";
import { Comparison, compare, load, median } from "./measure";
import { ofFloor, p99At, rate, ratios, startFloor, startHello } from "./http.bench";
import { send } from "./usage-load";
import { authorizeTarget } from "./authorize-target";

/**
 * The data plane's costs: POST /v1/authorize against Fastify's hello world (req/s, and p99 at 80 %
 * of the load authorize sustains), without and with Redis; ingestion in batches of 100 against
 * batches of 1; a usage query grouped by project × model × day over 1,000,000 events against an
 * authorized single read. Redis runs when TENANCY_TEST_REDIS_URL is set.
 */
const EVENTS = Number(process.env.TENANCY_BENCH_USAGE_EVENTS ?? 1_000_000);

function expectOk(res: { status: number; text: string }): void {
  if (res.status !== 200) throw new Error(`answered ${res.status}: ${res.text.slice(0, 300)}`);
}


async function authorizeBench(dialect: Dialect, redis: string | undefined): Promise<Comparison[]> {
  const env: Record<string, string> = { TENANCY_RATE_LIMIT_PER_MINUTE: "0" };
  if (redis) Object.assign(env, { TENANCY_REDIS_URL: redis, TENANCY_REDIS_PREFIX: `bench-${randomBytes(4).toString("hex")}:` });
  const b = await startBackend({ dialect, env, logToFile: true });
  const hello = await startHello();
  let floor: { url: string; stop(): void } | undefined;
  try {
    const { target, clientKey, gateway } = await authorizeTarget(b);
    const { headers } = target;
    const url = `${b.url}/v1/authorize`;
    const label = `${dialect.name}${redis ? " + Redis" : ""}`;
    floor = await startFloor("authorize", { FLOOR_GATEWAY: gateway, FLOOR_KEY: clientKey });
    const least = `${floor.url}/v1/authorize`;
    // The same load tool and rounds as the HTTP benchmark (autocannon): a fetch-based client
    // saturates before a hello-world does, which would flatter every ratio.
    const [c, f] = await ratios(`${label}: requests per second`, hello.url, [
      ["POST /v1/authorize", () => rate(url, headers, target)],
      ["the least Fastify can do for it (bench/floors/authorize.js, for reference)", () => rate(least, headers, target)],
    ]);
    const at = Math.round(0.8 * c.subjectValue);
    const tailAuthorize = median([await p99At(url, at, target), await p99At(url, at, target), await p99At(url, at, target)]);
    const tailHello = median([await p99At(hello.url, at), await p99At(hello.url, at), await p99At(hello.url, at)]);
    return [
      { ...c, name: `${label}: POST /v1/authorize throughput (goal ≥ 0.6)`, baseline: "Fastify hello world" },
      { ...f, name: `${label}: the floor of POST /v1/authorize`, baseline: "Fastify hello world" },
      ofFloor(`${label}: POST /v1/authorize against its floor`, c, f),
      { name: `${label}: p99 at ${at} req/s (80 % of authorize's throughput)`, baseline: "hello world p99", subject: "authorize p99", baselineValue: tailHello, subjectValue: tailAuthorize, ratio: tailAuthorize / tailHello, unit: "ms" },
    ];
  } finally {
    hello.stop();
    floor?.stop();
    await b.dispose();
  }
}

async function ingestionBench(b: Backend, apiKeyId: string, label: string): Promise<Comparison> {
  const headers = { authorization: `Bearer ${await storeGateway(b.databaseUrl)}` };
  let n = 0;
  const batch = (size: number) => Array.from({ length: size }, (_, i) => ({ eventId: `i${n++}`, apiKeyId, model: "gpt-4o", inputTokens: 100 + i, outputTokens: 50 }));
  const post = (size: number) => () => load(size === 1 ? 200 : 20, 4, async () => expectOk(await send(`${b.url}/v1/usage`, "POST", { events: batch(size) }, headers)));
  const c = await compare(`${label}: ingestion`, ["200 batches of 1", post(1)], ["20 batches of 100", post(100)], 5);
  const eventsPerSecond = (events: number, ms: number) => events / (ms / 1000);
  const single = eventsPerSecond(200, c.baselineValue);
  const hundred = eventsPerSecond(2000, c.subjectValue);
  return { name: `${label}: ingestion`, baseline: "batches of 1", subject: "batches of 100", baselineValue: single, subjectValue: hundred, ratio: hundred / single, unit: "events/s" };
}

/** Loads the events through the route's own repository function, a transaction per 1,000. */
async function loadEvents(b: Backend, projects: { id: string; name: string; keyId: string }[], orgId: string): Promise<void> {
  const store = openStore(b.databaseUrl);
  const models = ["gpt-4o", "gpt-4o-mini", "claude-sonnet-4-5", "gemini-2.5-flash", "o3", "gpt-4.1", "mistral-large", "claude-haiku-4-5"];
  const now = Date.now();
  const names = new Map(projects.map((p) => [p.id, p.name]));
  try {
    for (let done = 0; done < EVENTS; done += 1000) {
      const events: PricedEvent[] = Array.from({ length: Math.min(1000, EVENTS - done) }, (_, i) => {
        const k = done + i;
        const p = projects[k % projects.length];
        const at = new Date(now - (k % (30 * 24)) * 3600_000 - (k % 3600) * 1000).toISOString();
        return { project_id: p.id, gateway_id: "bench", event_id: `bulk-${k}`, api_key_id: p.keyId, organization_id: orgId, model: models[k % models.length], priced_as: models[k % models.length], input_tokens: 100 + (k % 900), output_tokens: k % 500, cost_micros: 37 + (k % 1000), at, received_at: at };
      });
      const batch = await prepareEvents(store.db, events, names);
      await store.db.transaction().execute((trx) => writeEvents(trx, batch));
    }
  } finally {
    await store.close();
  }
}

export async function usageBenchmarks(dialect: Dialect): Promise<Comparison[]> {
  const redis = process.env.TENANCY_TEST_REDIS_URL;
  const results = [...(await authorizeBench(dialect, undefined)), ...(redis ? await authorizeBench(dialect, redis) : [])];
  // The ingestion limit off: this measures how fast the store takes events, not the limit.
  const b = await startBackend({ dialect, env: { TENANCY_RATE_LIMIT_PER_MINUTE: "0", TENANCY_USAGE_EVENTS_PER_SECOND: "0" }, logToFile: true });
  try {
    const names = Array.from({ length: 10 }, (_, i) => `p${i}`);
    const t = await tenant(b, Object.fromEntries(names.map((n) => [n, {}])));
    results.push(await ingestionBench(b, t.projects.p0.keyId, dialect.name));
    const started = Date.now();
    await loadEvents(b, Object.entries(t.projects).map(([name, p]) => ({ ...p, name })), t.orgId);
    console.error(`${dialect.name}: ${EVENTS} events loaded in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    const day = 86_400_000;
    const to = new Date(Math.ceil(Date.now() / day) * day + day).toISOString();
    const from = new Date(Math.floor(Date.now() / day) * day - 32 * day).toISOString();
    const headers = { authorization: `Bearer ${b.token}` };
    const query = async () => expectOk(await send(`${b.url}/v1/organizations/${t.orgId}/usage?groupBy=project,model&bucket=1d&from=${from}&to=${to}`, "GET", undefined, headers));
    const read = async () => expectOk(await send(`${b.url}/v1/organizations/${t.orgId}/projects/${t.projects.p0.id}`, "GET", undefined, headers));
    const c = await compare(`${dialect.name}: usage query`, ["GET one project", read], [`usage by project × model × day over ${EVENTS} events`, query], 7);
    results.push({ ...c, name: `${dialect.name}: usage query (goal ≤ 250 ms)`, unit: "ms" });
    return results;
  } finally {
    await b.dispose();
  }
}
