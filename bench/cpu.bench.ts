import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import autocannon = require("autocannon");
import { Backend, Dialect, startBackend } from "../test/support/backend";
import { authorizeTarget } from "./authorize-target";
import { Target, startHello } from "./http.bench";
import { Comparison, median } from "./measure";

/**
 * Server CPU per request: the user+sys time the server process spent (read from outside, in its
 * /proc/<pid>/stat) divided by the requests it answered, for /healthz, GET /v1/me, one project
 * and POST /v1/authorize, each as a ratio to a bare Fastify hello-world measured in the same
 * rounds. The servers run on one core and this process (the load tool) on the other, so the
 * load tool's own work is never counted and never steals the server's core.
 */

// BENCH_CPU_REQUESTS and BENCH_CPU_ROUNDS shorten a run while profiling; the defaults are the report's.
const REQUESTS = Number(process.env.BENCH_CPU_REQUESTS ?? 30_000);
const CONNECTIONS = 32;
const ROUNDS = Number(process.env.BENCH_CPU_ROUNDS ?? 3);
const SERVER_CORE = 0;
const LOAD_CORE = 1;
const TICKS_PER_SECOND = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());

/** The process's user+sys CPU time in seconds, all its threads included. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name, which may itself hold spaces and parentheses: utime is the 14th
  // field of the line, stime the 15th, i.e. the 12th and 13th after ") ".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** Pins every thread of `pid` to `core`; false when taskset is not there. */
function pin(pid: number, core: number): boolean {
  try {
    execFileSync("taskset", ["-a", "-c", "-p", String(core), String(pid)], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Microseconds of the server's CPU per request, over REQUESTS requests. */
async function cpuPerRequest(pid: number, url: string, target: Target = {}): Promise<number> {
  const before = cpuSeconds(pid);
  await send(url, target, REQUESTS);
  return ((cpuSeconds(pid) - before) / REQUESTS) * 1e6;
}

/** `amount` requests to `url`, CONNECTIONS at a time; any answer but a 2xx fails the run. */
export async function send(url: string, target: Target, amount: number): Promise<void> {
  const result = await autocannon({ url, connections: CONNECTIONS, amount, method: target.method ?? "GET", headers: target.headers ?? {}, ...(target.body === undefined ? {} : { body: target.body }) });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
}

/** One route the CPU benchmark measures, with its goal (at most `goal` times the hello-world). */
export interface Subject {
  name: string;
  goal: number;
  path: string;
  target: Target;
}

/** A backend started for these measurements: the rate limiter on (a high limit, never refusing). */
export function startCpuBackend(dialect: Dialect, env: Record<string, string> = {}): Promise<Backend> {
  return startBackend({ dialect, env: { TENANCY_RATE_LIMIT_PER_MINUTE: "10000000", ...env }, logToFile: true });
}

/** Seeds `b` with what the routes need and returns them; bench/cpu-profile.ts profiles the same. */
export async function cpuSubjects(b: Backend): Promise<Subject[]> {
  const auth = { headers: { authorization: `Bearer ${b.token}` } };
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(b.url + path, { method, headers: { ...auth.headers, "content-type": "application/json" }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${await res.text()}`);
    return (await res.json()) as { id: string };
  };
  const org = await call("POST", "/v1/organizations", { name: "Bench CPU" });
  const project = await call("POST", `/v1/organizations/${org.id}/projects`, { name: "cpu", environment: "development" });
  const { target: authorize } = await authorizeTarget(b);
  return [
    { name: "GET /healthz", goal: 1.5, path: "/healthz", target: {} },
    { name: "GET /v1/me", goal: 4, path: "/v1/me", target: auth },
    { name: "GET one project", goal: 4, path: `/v1/organizations/${org.id}/projects/${project.id}`, target: auth },
    { name: "POST /v1/authorize", goal: 3, path: "/v1/authorize", target: authorize },
  ];
}

export async function cpuBenchmarks(dialect: Dialect): Promise<Comparison[]> {
  const hello = await startHello();
  const b = await startCpuBackend(dialect);
  try {
    const pinned = [pin(process.pid, LOAD_CORE), pin(hello.pid, SERVER_CORE), pin(b.pid()!, SERVER_CORE)].every(Boolean);
    const label = `${dialect.name}: server CPU per request${pinned ? ", server and load tool on separate cores" : ", UNPINNED (taskset failed or is missing)"}`;
    const server = b.pid()!;
    const subjects = (await cpuSubjects(b)).map((s) => ({ ...s, measure: () => cpuPerRequest(server, b.url + s.path, s.target) }));
    const baseline = () => cpuPerRequest(hello.pid, hello.url);
    await baseline(); // warm-up: JIT and connection set-up, not counted
    for (const s of subjects) await s.measure();
    // The hello-world right before each subject: other load on the machine drifts within a round,
    // and each ratio is taken between neighbours in time.
    const base = subjects.map(() => [] as number[]);
    const measured = subjects.map(() => [] as number[]);
    for (let i = 0; i < ROUNDS; i++) {
      for (const [j, s] of subjects.entries()) {
        base[j].push(await baseline());
        measured[j].push(await s.measure());
      }
    }
    return subjects.map((s, j) => ({
      name: `${label} (goal ≤ ${s.goal}x)`,
      baseline: "bare Fastify 5 hello-world",
      subject: s.name,
      baselineValue: median(base[j]),
      subjectValue: median(measured[j]),
      ratio: median(measured[j].map((v, k) => v / base[j][k])),
      unit: "µs CPU/request",
    }));
  } finally {
    hello.stop();
    await b.dispose();
  }
}
