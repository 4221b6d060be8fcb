// A reporter of each mutant as it is tested, one JSON line in reports/mutation/<run>/partial.jsonl,
// so a run stopped before its end (a deadline, a crash) still shows what it found: Stryker's own
// JSON and HTML reports are written only when every mutant has run. stryker.report.mjs reads it
// for a run without mutation.json and says how many of the run's mutants (and of each file's) it holds.
import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { declareClassPlugin, PluginKind } from "@stryker-mutator/api/plugin";

const out = join("reports/mutation", process.env.MUTATION_RUN ?? "all");
const file = join(out, "partial.jsonl");

class PartialReporter {
  onMutationTestingPlanReady({ mutantPlans }) {
    mkdirSync(out, { recursive: true });
    const files = {};
    for (const { mutant } of mutantPlans) {
      const name = relative(process.cwd(), mutant.fileName);
      files[name] = (files[name] ?? 0) + 1;
    }
    writeFileSync(file, JSON.stringify({ planned: mutantPlans.length, files }) + "\n");
  }

  onMutantTested(m) {
    const { id, mutatorName, replacement, location, status } = m;
    appendFileSync(file, JSON.stringify({ file: relative(process.cwd(), m.fileName), id, mutatorName, replacement, location, status, coveredBy: m.coveredBy?.length, testsCompleted: m.testsCompleted }) + "\n");
  }
}

export const strykerPlugins = [declareClassPlugin(PluginKind.Reporter, "partial", PartialReporter)];
