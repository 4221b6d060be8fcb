import { ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import autocannon = require("autocannon");
import { Backend, Dialect, startBackend } from "../test/support/backend";
import { Comparison, median } from "./measure";

/**
 * Requests per second of the backend against a bare Fastify 5 hello-world, both measured in this
 * run with the same load tool (autocannon, 32 connections), rounds alternating so that other load
 * on the machine hits both alike. A ratio of 0.6 means the route serves 60% of the baseline's rate.
 */

const CONNECTIONS = 32;
const SECONDS = 3;
const ROUNDS = 3;

// The baseline: what Fastify itself costs on this machine, with its defaults and no logging.
const HELLO = `const app = require("fastify")(); app.get("/", async () => ({ hello: "world" }));
app.listen({ host: "127.0.0.1", port: 0 }).then((url) => console.log(url));`;

// A reference point, not a baseline: the same hello-world with Fastify's own request logging on
// (its two lines per request, asynchronously to /dev/null), i.e. what logging alone costs there.
const LOGGED_HELLO = `const pino = require("pino");
const app = require("fastify")({ logger: { stream: pino.destination({ dest: "/dev/null", sync: false, minLength: 4096 }) } });
app.get("/", async () => ({ hello: "world" }));
app.listen({ host: "127.0.0.1", port: 0 }).then((url) => console.log(url));`;

export function startHello(logged = false): Promise<Started> {
  return startScript(["-e", logged ? LOGGED_HELLO : HELLO]);
}

/**
 * A floor (bench/floors/): the least Fastify can do for one of our routes with the same answer,
 * the same log line and metrics, and none of the rest. Measured in the same rounds, it tells how
 * much of the gap to the hello-world any implementation on this machine would keep.
 */
export function startFloor(route: "read" | "authorize", env: Record<string, string>): Promise<Started> {
  const log = join(mkdtempSync(join(tmpdir(), "tenancy-floor-")), "log");
  return startScript([join(__dirname, "floors", `${route}.js`)], { ...env, FLOOR_LOG: log });
}

/** A helper server of the benchmarks, listening on `url`; `pid` for those that read its /proc. */
export interface Started {
  url: string;
  pid: number;
  stop(): void;
}

async function startScript(args: string[], env: Record<string, string> = {}): Promise<Started> {
  const child: ChildProcess = spawn(process.execPath, args, { cwd: join(__dirname, ".."), stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, ...env } });
  const url = await new Promise<string>((ok, fail) => {
    child.stdout!.once("data", (d: Buffer) => ok(d.toString().trim()));
    child.once("exit", (code) => fail(new Error(`${args.join(" ").slice(0, 80)}: exited with ${code}`)));
  });
  return { url, pid: child.pid!, stop: () => child.kill("SIGTERM") };
}

/** One request, as autocannon sends it over and over. */
export interface Target {
  method?: "GET" | "POST";
  headers?: Record<string, string>;
  body?: string;
}

async function run(url: string, target: Target, options: { duration: number; overallRate?: number }) {
  const request = { method: target.method ?? "GET", headers: target.headers ?? {}, ...(target.body === undefined ? {} : { body: target.body }) };
  const result = await autocannon({ url, connections: CONNECTIONS, ...request, ...options });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
  return result;
}

/** Requests per second with CONNECTIONS connections, as fast as the server answers. */
export async function rate(url: string, headers: Record<string, string> = {}, target: Target = {}): Promise<number> {
  return (await run(url, { ...target, headers }, { duration: SECONDS })).requests.average;
}

/**
 * The 99th percentile latency (ms) at a fixed total rate below what the server sustains (autocannon
 * paces its connections; at 80 % load a stalled answer delays few sends, so little is omitted).
 */
export async function p99At(url: string, requestsPerSecond: number, target: Target = {}): Promise<number> {
  return (await run(url, target, { duration: SECONDS, overallRate: requestsPerSecond })).latency.p99;
}

export async function ratios(name: string, hello: string, subjects: Array<[string, () => Promise<number>]>): Promise<Comparison[]> {
  const base: number[] = [];
  const measured = subjects.map(() => [] as number[]);
  await rate(hello); // warm-up
  for (const [, run] of subjects) await run();
  for (let i = 0; i < ROUNDS; i++) {
    base.push(await rate(hello));
    for (const [j, [, run]] of subjects.entries()) measured[j].push(await run());
  }
  return subjects.map(([subject], j) => {
    const r = measured[j].map((v, k) => v / base[k]);
    return { name, baseline: "bare Fastify 5 hello-world", subject, baselineValue: median(base), subjectValue: median(measured[j]), ratio: median(r), unit: "req/s" };
  });
}

export async function httpBenchmarks(dialect: Dialect): Promise<Comparison[]> {
  const hello = await startHello();
  const logged = await startHello(true);
  let b: Backend | undefined;
  let floor: { url: string; stop(): void } | undefined;
  try {
    b = await startBackend({ dialect, env: { TENANCY_RATE_LIMIT_PER_MINUTE: "10000000" }, logToFile: true });
    const auth = { authorization: `Bearer ${b.token}` };
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(b!.url + path, { method, headers: { ...auth, "content-type": "application/json" }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
      return (await res.json()) as { id: string; user: { id: string } };
    };
    const org = await call("POST", "/v1/organizations", { name: "Bench" });
    const project = await call("POST", `/v1/organizations/${org.id}/projects`, { name: "bench", environment: "development" });
    const me = await call("GET", "/v1/me");
    floor = await startFloor("read", { FLOOR_DATABASE_URL: b.databaseUrl, FLOOR_TOKEN: b.token, FLOOR_USER_ID: me.user.id });
    const path = `/v1/organizations/${org.id}/projects/${project.id}`;
    const healthz = `${b.url}/healthz`;
    const [loggedHello, health, read, least] = await ratios(`${dialect.name}: requests per second, ${CONNECTIONS} connections`, hello.url, [
      ["the same hello-world with Fastify's own request logging on (for reference)", () => rate(logged.url)],
      ["GET /healthz", () => rate(healthz)],
      ["authenticated GET of one project", () => rate(b!.url + path, auth)],
      ["the least Fastify can do for that read (bench/floors/read.js, for reference)", () => rate(floor!.url + path, auth)],
    ]);
    return [loggedHello, health, { ...read, name: `${read.name} (goal ≥ 0.3)` }, least, ofFloor(`${dialect.name}: the project read against its floor`, read, least)];
  } finally {
    hello.stop();
    logged.stop();
    floor?.stop();
    await b?.dispose();
  }
}

/** A route against its floor: how much of what Fastify allows on this machine it serves. */
export function ofFloor(name: string, route: Comparison, floor: Comparison): Comparison {
  return { name, baseline: `floor (${floor.subject.replace(/ \(.*/, "")})`, subject: route.subject, baselineValue: floor.subjectValue, subjectValue: route.subjectValue, ratio: route.subjectValue / floor.subjectValue, unit: "req/s" };
}
