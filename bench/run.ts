import { apiBenchmarks, dialects } from "./api.bench";
import { httpBenchmarks } from "./http.bench";
import { Comparison, report } from "./measure";

/** `npm run bench`: every benchmark, each as a ratio against a baseline measured in the same run. */
async function main() {
  const only = process.env.BENCH_ONLY;
  for (const dialect of dialects) {
    const done: Comparison[] = [];
    if (!only || only === "http") done.push(...(await httpBenchmarks(dialect)));
    if (!only || only === "api") done.push(...(await apiBenchmarks(dialect)));
    report(done);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
