import { Backend, DIALECTS, Dialect, startBackend } from "../test/support/backend";
import { Comparison, compare, load, rssMiB } from "./measure";

/**
 * What the management API's guarantees cost, per store: an authorized read against a bare
 * request, a full list page against a single read, and an idempotent create (the key stored in
 * the same transaction) against a plain one.
 */

const REQUESTS = 400;
const CONCURRENCY = 8;

async function call(b: Backend, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(b.url + path, {
    method,
    headers: { authorization: `Bearer ${b.token}`, ...(body ? { "content-type": "application/json" } : {}), ...headers },
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path} answered ${res.status}: ${text}`);
  return text ? JSON.parse(text) : undefined;
}

export async function apiBenchmarks(dialect: Dialect): Promise<Comparison[]> {
  const b = await startBackend({ dialect, env: { TENANCY_RATE_LIMIT_PER_MINUTE: "0" }, logToFile: true });
  try {
    const idleMiB = rssMiB(b.pid()!);
    const org = await call(b, "POST", "/v1/organizations", { name: "Bench" });
    const projects = `/v1/organizations/${org.id}/projects`;
    let first: { id: string } | undefined;
    for (let i = 0; i < 100; i++) {
      const p = await call(b, "POST", projects, { name: `p-${i}`, environment: "development" });
      first ??= p;
    }
    const one = `${projects}/${first!.id}`;
    const many = (path: string) => () => load(REQUESTS, CONCURRENCY, () => call(b, "GET", path));
    let n = 0;
    const creates = (idempotent: boolean) => () =>
      load(100, CONCURRENCY, () => {
        const i = n++;
        return call(b, "POST", `${one}/api-keys`, { name: `k-${i}`, owner: b.email }, idempotent ? { "idempotency-key": `bench-${i}` } : {});
      });
    await call(b, "POST", `${one}/members`, { email: b.email, role: "owner" }).catch(() => undefined);
    console.error(`${dialect.name}: store seeded, measuring`);
    const results = [
      await compare(`${dialect.name}: authorized read`, ["GET /healthz", many("/healthz")], ["GET one project", many(one)]),
      await compare(`${dialect.name}: list page`, ["GET one project", many(one)], ["GET 100 projects", many(`${projects}?limit=100`)]),
      await compare(`${dialect.name}: idempotent create`, ["POST key", creates(false)], ["POST key with Idempotency-Key", creates(true)], 5),
    ];
    // Memory: the server's resident size after all of the above against the same server idle.
    const loadedMiB = rssMiB(b.pid()!);
    results.push({ name: `${dialect.name}: memory`, baseline: "RSS idle", subject: "RSS after the runs above", baselineValue: idleMiB, subjectValue: loadedMiB, ratio: loadedMiB / idleMiB, unit: "MiB" });
    return results;
  } finally {
    await b.dispose();
  }
}

// BENCH_DIALECT=sqlite|postgres runs the store benchmarks on one store only.
export const dialects = DIALECTS.filter((d) => !process.env.BENCH_DIALECT || d.name === process.env.BENCH_DIALECT);
