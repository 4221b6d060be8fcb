import { apiBenchmarks, dialects } from "./api.bench";
import { Comparison, report } from "./measure";
import { scaleBenchmarks } from "./scale.bench";

/** `npm run bench`: every benchmark, each as a ratio against a baseline measured in the same run. */
async function main() {
  const results: Comparison[] = [];
  // `npm run bench -- scale`: the 1,000-resource run alone; BENCH_SCALE=0 leaves it out (it takes minutes).
  const only = process.argv[2];
  if (only !== "scale") {
    for (const dialect of dialects) {
      const done = await apiBenchmarks(dialect);
      report(done);
      results.push(...done);
    }
  }
  if (process.env.BENCH_SCALE !== "0") {
    const done = await scaleBenchmarks();
    report(done);
    results.push(...done);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
