// `npm run mutation`'s last step: the mutation score per folder of every run under
// reports/mutation/ (each run's mutation.json, as Stryker's JSON reporter wrote it), written to
// reports/mutation/scores.md with the surviving mutants, and printed.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const ROOT = "reports/mutation";
const FOLDERS = ["backend/http", "backend/auth", "backend/services", "backend/usage"];
// Stryker's score: detected among the mutants that ran or had no test; compile errors and ignored ones do not count.
const DETECTED = new Set(["Killed", "Timeout"]);
const UNDETECTED = new Set(["Survived", "NoCoverage"]);

const files = new Map();
for (const run of existsSync(ROOT) ? readdirSync(ROOT) : []) {
  const report = join(ROOT, run, "mutation.json");
  if (!existsSync(report)) continue;
  // A later run of the same file (another run's report) replaces an earlier one.
  for (const [file, result] of Object.entries(JSON.parse(readFileSync(report, "utf8")).files)) files.set(file, { run, ...result });
}

const rows = [];
const survivors = [];
for (const folder of FOLDERS) {
  const count = { detected: 0, undetected: 0, invalid: 0 };
  const runs = new Set();
  for (const [file, { run, mutants }] of files) {
    if (!file.startsWith(`${folder}/`)) continue;
    runs.add(run);
    for (const m of mutants) {
      if (DETECTED.has(m.status)) count.detected++;
      else if (UNDETECTED.has(m.status)) {
        count.undetected++;
        survivors.push(`- ${file}:${m.location.start.line} ${m.status} ${m.mutatorName}: \`${(m.replacement ?? "").replace(/\s+/g, " ").slice(0, 80)}\``);
      } else count.invalid++;
    }
  }
  const total = count.detected + count.undetected;
  const score = total ? ((100 * count.detected) / total).toFixed(1) + " %" : "not run";
  rows.push(`| ${folder} | ${score} | ${count.detected} | ${count.undetected} | ${count.invalid} | ${[...runs].join(", ")} |`);
}

const text = [
  "# Mutation score per folder",
  "",
  "| folder | score | detected | survived or uncovered | compile errors / ignored | run |",
  "|---|---|---|---|---|---|",
  ...rows,
  "",
  `## Survivors (${survivors.length})`,
  "",
  ...survivors,
  "",
].join("\n");
writeFileSync(join(ROOT, "scores.md"), text);
console.log(text.split("\n## Survivors")[0]);
console.log(`${survivors.length} survivors listed in ${join(ROOT, "scores.md")}`);
