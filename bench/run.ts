import { apiBenchmarks, dialects } from "./api.bench";
import { cpuBenchmarks } from "./cpu.bench";
import { httpBenchmarks } from "./http.bench";
import { layoutBenchmarks } from "./layout.bench";
import { Comparison, report } from "./measure";
import { scaleBenchmarks } from "./scale.bench";
import { signInBenchmarks } from "./sign-in.bench";
import { signInPolicyBenchmarks } from "./sign-in-policy.bench";
import { usageBenchmarks } from "./usage.bench";
import { floodBenchmarks } from "./usage-flood.bench";

/** `npm run bench`: every benchmark, each as a ratio against a baseline measured in the same run. */
async function main() {
  // BENCH_ONLY=cpu|http|api|sign-in|usage|flood|layout|scale runs one of them (usage includes flood); BENCH_SCALE=0 leaves the 1,000-resource run (minutes) out;
  // BENCH_DIALECT=sqlite|postgres keeps one store.
  const only = process.env.BENCH_ONLY;
  for (const dialect of dialects) {
    const done: Comparison[] = [];
    if (!only || only === "cpu") done.push(...(await cpuBenchmarks(dialect)));
    if (!only || only === "http") done.push(...(await httpBenchmarks(dialect)));
    if (!only || only === "api") done.push(...(await apiBenchmarks(dialect)));
    if (!only || only === "sign-in") done.push(...(await signInBenchmarks(dialect)), ...(await signInPolicyBenchmarks(dialect)));
    report(done);
  }
  if (!only || only === "usage") for (const dialect of dialects) report(await usageBenchmarks(dialect));
  if (!only || only === "usage" || only === "flood") for (const dialect of dialects) report(await floodBenchmarks(dialect));
  if (!only || only === "layout") report(await layoutBenchmarks());
  if ((!only && process.env.BENCH_SCALE !== "0") || only === "scale") report(await scaleBenchmarks());
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
