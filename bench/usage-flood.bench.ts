import { Backend, Dialect, startBackend } from "../test/support/backend";
import { mintGateway, storeGateway } from "../test/support/gateway";
import { tenant } from "../test/usage/support";
import { Comparison, median } from "./measure";
import { p99At } from "./http.bench";
import { send } from "./usage-load";

/**
 * One project's ingestion flood against another project's authorize: the calm project's p99 at a
 * steady rate while a flood runs, as a ratio of its p99 at that rate with no flood, rounds
 * alternating (the goal: at most 2×). With the per-project limit as shipped, against a
 * flood that honours Retry-After (a gateway client) and one that ignores it (each refused batch
 * still costs its body's parsing and validation); and for reference with the limit off
 * (TENANCY_USAGE_EVENTS_PER_SECOND=0), which is what any flood did before.
 */
const CALM_RATE = 200;
const ROUNDS = 3;
const FLOOD_CONNECTIONS = 4;

interface Flood {
  stop(): Promise<{ accepted: number; refused: number }>;
}

/** A gateway of its own floods one project's usage; the calm project's authorize goes through another. */
function startFlood(b: Backend, credential: string, apiKeyId: string, honoursRetryAfter: boolean): Flood {
  let running = true;
  let accepted = 0;
  let refused = 0;
  let n = 0;
  const headers = { authorization: `Bearer ${credential}` };
  const worker = async () => {
    while (running) {
      const events = Array.from({ length: 1000 }, () => ({ eventId: `flood-${n++}`, apiKeyId, model: "gpt-4o-mini", inputTokens: 100, outputTokens: 50 }));
      const res = await send(`${b.url}/v1/usage`, "POST", { events }, headers);
      if (res.status === 429) {
        refused += events.length;
        if (honoursRetryAfter) await new Promise((r) => setTimeout(r, (res.retryAfter ?? 1) * 1000));
      }
      else if (res.status === 200) accepted += events.length;
      else throw new Error(`flood answered ${res.status}: ${res.text.slice(0, 300)}`);
    }
  };
  const workers = Array.from({ length: FLOOD_CONNECTIONS }, worker);
  return {
    async stop() {
      running = false;
      await Promise.all(workers);
      return { accepted, refused };
    },
  };
}

async function floodRatio(dialect: Dialect, eventsPerSecond: string | undefined, honoursRetryAfter: boolean, label: string): Promise<Comparison> {
  const limits: Record<string, string> = eventsPerSecond ? { TENANCY_USAGE_EVENTS_PER_SECOND: eventsPerSecond, TENANCY_GATEWAY_EVENTS_PER_SECOND: eventsPerSecond } : {};
  const env: Record<string, string> = { TENANCY_RATE_LIMIT_PER_MINUTE: "0", ...limits };
  const b = await startBackend({ dialect, env, logToFile: true });
  try {
    const t = await tenant(b, { flood: {}, calm: { requestsPerMinute: 10_000_000, tokensPerMinute: 1_000_000_000, monthlyBudgetUsd: 1_000_000_000 } });
    const target = {
      method: "POST" as const,
      headers: { authorization: `Bearer ${await storeGateway(b.databaseUrl)}`, "content-type": "application/json" },
      body: JSON.stringify({ apiKey: t.projects.calm.key, model: "gpt-4o-mini", inputTokens: 100, maxOutputTokens: 100 }),
    };
    const url = `${b.url}/v1/authorize`;
    const floodGateway = await mintGateway(b.databaseUrl, "flood");
    await p99At(url, CALM_RATE, target); // warm-up
    const quiet: number[] = [];
    const flooded: number[] = [];
    let accepted = 0;
    let refused = 0;
    for (let i = 0; i < ROUNDS; i++) {
      quiet.push(await p99At(url, CALM_RATE, target));
      const flood = startFlood(b, floodGateway, t.projects.flood.keyId, honoursRetryAfter);
      flooded.push(await p99At(url, CALM_RATE, target));
      const done = await flood.stop();
      accepted += done.accepted;
      refused += done.refused;
    }
    const ratios = flooded.map((v, k) => v / quiet[k]);
    console.error(`${dialect.name}, ${label}: the flood had ${accepted} events accepted and ${refused} refused`);
    return {
      name: `${dialect.name}: another project's authorize p99 at ${CALM_RATE} req/s under a ${FLOOD_CONNECTIONS}-connection ingestion flood, ${label} (goal ≤ 2)`,
      baseline: "its p99 without the flood",
      subject: "its p99 with the flood",
      baselineValue: median(quiet),
      subjectValue: median(flooded),
      ratio: median(ratios),
      unit: "ms",
    };
  } finally {
    await b.dispose();
  }
}

export async function floodBenchmarks(dialect: Dialect): Promise<Comparison[]> {
  return [
    await floodRatio(dialect, undefined, true, "limit as shipped, flood honouring Retry-After"),
    await floodRatio(dialect, undefined, false, "limit as shipped, flood ignoring Retry-After"),
    await floodRatio(dialect, "0", false, "limit off (for reference)"),
  ];
}
