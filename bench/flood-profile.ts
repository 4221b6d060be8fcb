import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DIALECTS, startBackend } from "../test/support/backend";
import { mintGateway } from "../test/support/gateway";
import { tenant } from "../test/usage/support";
import { summarize } from "./cpu-profile";
import { spawnTool } from "./load-processes";

/**
 * Where an ingestion flood's server time goes: `npx ts-node bench/flood-profile.ts [seconds] [file]`
 * starts the backend (SQLite, or BENCH_DIALECT=postgres) with the sampling profiler, runs the
 * flood of bench/usage-flood.bench.ts (a gateway posting 1,000-event batches on four connections,
 * honouring Retry-After unless FLOOD_HONOURS=0) for `seconds`, and prints the functions with the
 * most samples (`--read FILE` analyses a profile taken before). The tail that flood puts on another project's authorize is the longest stretch
 * the event loop spends on one batch; this says what that stretch is made of.
 */
async function main() {
  // `--read FILE`: the analysis of a profile already taken.
  if (process.argv[2] === "--read") return console.log(`${stretches(process.argv[3])}\n${summarize(process.argv[3], 40)}`);
  const [seconds = "6", file = join(process.cwd(), "flood.cpuprofile")] = process.argv.slice(2);
  const dialect = DIALECTS.find((d) => d.name === (process.env.BENCH_DIALECT ?? "sqlite"));
  if (!dialect) throw new Error(`BENCH_DIALECT=${process.env.BENCH_DIALECT}: no such store here (postgres needs TEST_DATABASE_URL)`);
  const b = await startBackend({
    dialect,
    env: { TENANCY_RATE_LIMIT_PER_MINUTE: "0", NODE_OPTIONS: `--require ${join(__dirname, "profiler.js")}`, BENCH_PROFILE_FILE: file },
    logToFile: true,
  });
  try {
    const t = await tenant(b, { flood: {} });
    const credential = await mintGateway(b.databaseUrl, "flood");
    const { child, result } = spawnTool("flood-load.ts", {
      FLOOD_URL: `${b.url}/v1/usage`,
      FLOOD_CREDENTIAL: credential,
      FLOOD_API_KEY_ID: t.projects.flood.keyId,
      FLOOD_HONOURS: process.env.FLOOD_HONOURS ?? "1",
      FLOOD_CONNECTIONS: "4",
    });
    await new Promise((r) => setTimeout(r, Number(seconds) * 1000));
    child.kill("SIGTERM");
    console.log(`flood: ${JSON.stringify(await result)}`);
  } finally {
    await b.dispose();
  }
  console.log(`${file}\n${stretches(file)}\n${summarize(file, 40)}`);
}

interface Profile {
  nodes: { id: number; callFrame: { functionName: string; url: string }; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}

/**
 * The event loop's busy stretches: runs of consecutive samples that are not idle. Another
 * request arriving during one waits for its end, so the longest stretches are the tail a flood
 * puts on everyone else. For the longest, the share of its samples under each of this
 * codebase's functions (the deepest frame of backend/ or schema/ in each sample's stack).
 */
function stretches(file: string): string {
  const { nodes, samples, timeDeltas } = JSON.parse(readFileSync(file, "utf8")) as Profile;
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const ours = (id: number): string => {
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const f = byId.get(at)!.callFrame;
      if (/\/dist\/(backend|schema)\//.test(f.url)) return `${f.functionName || "(anonymous)"} ${f.url.replace(/.*\/dist\//, "")}`;
    }
    return byId.get(id)!.callFrame.functionName || "(native)";
  };
  const runs: { us: number; samples: number[] }[] = [];
  let current: { us: number; samples: number[] } | undefined;
  samples.forEach((id, i) => {
    const idle = byId.get(id)!.callFrame.functionName === "(idle)";
    if (idle) current = undefined;
    else {
      if (!current) runs.push((current = { us: 0, samples: [] }));
      current.us += timeDeltas[i] ?? 0;
      current.samples.push(id);
    }
  });
  // The server's start (modules loading, buildApp) is one stretch too, before any request: not a tail.
  const starting = (id: number): boolean => {
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) if (/^(buildApp|Module\._compile)$/.test(byId.get(at)!.callFrame.functionName)) return true;
    return false;
  };
  const work = runs.filter((r) => !r.samples.some(starting)).sort((a, b) => b.us - a.us);
  const ms = (us: number) => (us / 1000).toFixed(1);
  const lines = [`busy stretches of request work: ${work.length} (${runs.length - work.length} of the start left out); longest ${work.slice(0, 10).map((r) => ms(r.us)).join(", ")} ms`];
  for (const r of work.slice(0, 4)) {
    const share = new Map<string, number>();
    for (const id of r.samples) share.set(ours(id), (share.get(ours(id)) ?? 0) + 1);
    lines.push(`\nstretch of ${ms(r.us)} ms:`);
    for (const [f, n] of [...share].sort((a, b) => b[1] - a[1]).slice(0, 12)) lines.push(`${((100 * n) / r.samples.length).toFixed(1).padStart(5)}%  ${f}`);
  }
  return lines.join("\n");
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
