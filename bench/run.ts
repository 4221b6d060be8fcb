import { apiBenchmarks, dialects } from "./api.bench";
import { Comparison, report } from "./measure";
import { usageBenchmarks } from "./usage.bench";

/** `npm run bench`: every benchmark, each as a ratio against a baseline measured in the same run. */
async function main() {
  const results: Comparison[] = [];
  for (const dialect of dialects) {
    const done = await apiBenchmarks(dialect);
    report(done);
    results.push(...done);
  }
  for (const dialect of dialects) {
    const done = await usageBenchmarks(dialect);
    report(done);
    results.push(...done);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
