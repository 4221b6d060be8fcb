import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DIALECTS } from "../test/support/backend";
import { cpuSubjects, send, startCpuBackend } from "./cpu.bench";

/**
 * Where a route's CPU goes: `npx ts-node bench/cpu-profile.ts "GET /v1/me" [requests] [file]`
 * starts the backend (SQLite, or the store BENCH_DIALECT names: `postgres` needs TEST_DATABASE_URL)
 * with a sampling profiler, sends the route of bench/cpu.bench.ts
 * `requests` times, and prints the functions with the most samples, their own and with callees
 * (start-up and idle left out). The .cpuprofile file opens in Chrome's DevTools.
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

export function summarize(file: string, top = 25): string {
  const { nodes, samples } = JSON.parse(readFileSync(file, "utf8")) as { nodes: ProfileNode[]; samples: number[] };
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const name = ({ callFrame: f }: ProfileNode) => `${f.functionName || "(anonymous)"} ${f.url.replace(/.*node_modules\//, "").replace(/.*\/dist\//, "")}:${f.lineNumber + 1}`;
  const own = new Map<string, number>();
  const all = new Map<string, number>();
  let counted = 0;
  for (const id of samples) {
    const stack: ProfileNode[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) stack.push(byId.get(at)!);
    if (stack.some((n) => ["(idle)", "Module._compile", "main"].includes(n.callFrame.functionName))) continue;
    counted++;
    own.set(name(stack[0]), (own.get(name(stack[0])) ?? 0) + 1);
    for (const frame of new Set(stack.map(name))) all.set(frame, (all.get(frame) ?? 0) + 1);
  }
  const list = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([frame, n]) => `${((100 * n) / counted).toFixed(1).padStart(5)}%  ${frame}`)
      .join("\n");
  return `${counted} samples of request work\n\nown time:\n${list(own)}\n\nwith callees:\n${list(all)}`;
}

async function main() {
  const [route = "GET /v1/me", requests = "20000", file = join(process.cwd(), "tenancy.cpuprofile")] = process.argv.slice(2);
  const dialectName = process.env.BENCH_DIALECT ?? "sqlite";
  const dialect = DIALECTS.find((d) => d.name === dialectName);
  if (!dialect) throw new Error(`BENCH_DIALECT=${dialectName}: no such store here; one of ${DIALECTS.map((d) => d.name).join(", ")} (postgres needs TEST_DATABASE_URL)`);
  const b = await startCpuBackend(dialect, { NODE_OPTIONS: `--require ${join(__dirname, "profiler.js")}`, BENCH_PROFILE_FILE: file });
  try {
    const subjects = await cpuSubjects(b);
    const subject = subjects.find((s) => s.name === route);
    if (!subject) throw new Error(`unknown route "${route}"; one of: ${subjects.map((s) => s.name).join(", ")}`);
    await send(b.url + subject.path, subject.target, Number(requests));
  } finally {
    await b.dispose();
  }
  console.log(`${route}: ${file}\n${summarize(file)}`);
}

if (require.main === module) main().catch((err) => {
  console.error(err);
  process.exit(1);
});
