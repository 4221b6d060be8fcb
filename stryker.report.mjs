// `npm run mutation`'s last step: the mutation score per folder of every run under
// reports/mutation/ (each run's mutation.json, as Stryker's JSON reporter wrote it, or what a run
// stopped early logged in partial.jsonl), written to reports/mutation/scores.md (committed; the
// runs' html/json are not) with every mutant left alive and why it was left
// (reports/mutation/survivors.json), and printed.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";

const ROOT = "reports/mutation";
/** The folders the mutation run covers, and which files each holds (as stryker.config.mjs mutates them). */
const FOLDERS = [
  { name: "backend/http", holds: (f) => f.startsWith("backend/http/") },
  { name: "backend/auth", holds: (f) => f.startsWith("backend/auth/") },
  { name: "backend/services", holds: (f) => f.startsWith("backend/services/") },
  { name: "backend/usage/limits*", holds: (f) => /^backend\/usage\/limits[^/]*\.ts$/.test(f) },
];
const COLUMNS = ["Killed", "Survived", "Timeout", "NoCoverage", "Ignored", "CompileError", "RuntimeError"];
// Stryker's score: detected (killed, timed out) among those that ran or had no test; errors and ignored do not count.
const DETECTED = ["Killed", "Timeout"];
const UNDETECTED = ["Survived", "NoCoverage"];

const sourceFiles = (dir) =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith(".ts") && !path.endsWith(".d.ts") ? [relative(".", path)] : [];
  });

/**
 * A run's mutants by file: Stryker's mutation.json when the run ended, else the mutants
 * stryker.partial.mjs logged so far, the run then named "<run> (partial: tested of planned)".
 */
function readRun(run) {
  const report = join(ROOT, run, "mutation.json");
  if (existsSync(report)) return { name: run, at: statSync(report).mtimeMs, files: JSON.parse(readFileSync(report, "utf8")).files };
  const partial = join(ROOT, run, "partial.jsonl");
  if (!existsSync(partial)) return undefined;
  const [head, ...lines] = readFileSync(partial, "utf8").trim().split("\n").map((l) => JSON.parse(l));
  const files = {};
  for (const { file, ...m } of lines) (files[file] ??= { mutants: [] }).mutants.push(m);
  return { name: `${run} (partial: ${lines.length} of ${head.planned} mutants tested)`, at: statSync(partial).mtimeMs, files };
}

const files = new Map();
for (const run of (existsSync(ROOT) ? readdirSync(ROOT) : []).map(readRun).filter(Boolean)) {
  // The newest report of a file wins (a run narrowed to one file after its tests changed, say).
  for (const [file, result] of Object.entries(run.files)) if (!files.has(file) || files.get(file).at < run.at) files.set(file, { run: run.name, at: run.at, ...result });
}

/** Why each mutant left alive was left: `file:line mutator` → reason (an equivalent mutant, or what would kill it). */
const reasonsFile = join(ROOT, "survivors.json");
const reasons = existsSync(reasonsFile) ? JSON.parse(readFileSync(reasonsFile, "utf8")) : {};
const keyOf = (file, m) => `${file}:${m.location.start.line} ${m.mutatorName}`;

const rows = [];
const survivors = [];
for (const folder of FOLDERS) {
  const count = Object.fromEntries(COLUMNS.map((c) => [c, 0]));
  const runs = new Set();
  const all = sourceFiles("backend").filter(folder.holds);
  const unrun = all.filter((f) => !files.has(f));
  for (const [file, { run, mutants }] of files) {
    if (!folder.holds(file)) continue;
    runs.add(run);
    for (const m of mutants) {
      count[m.status] = (count[m.status] ?? 0) + 1;
      if (!UNDETECTED.includes(m.status)) continue;
      const replacement = (m.replacement ?? "").replace(/\s+/g, " ").replace(/`/g, "'").slice(0, 80);
      const why = reasons[keyOf(file, m)] ?? "not looked at yet";
      survivors.push(`- \`${file}:${m.location.start.line}\` ${m.status} ${m.mutatorName} → \`${replacement}\`: ${why}`);
    }
  }
  const detected = DETECTED.reduce((n, s) => n + count[s], 0);
  const counted = detected + UNDETECTED.reduce((n, s) => n + count[s], 0);
  const mutants = Object.values(count).reduce((n, c) => n + c, 0);
  const score = !runs.size ? "not run" : `${((100 * detected) / counted).toFixed(1)} %${unrun.length ? ` (partial: ${unrun.join(", ")} not run)` : ""}`;
  rows.push(`| ${folder.name} | ${score} | ${mutants} | ${COLUMNS.map((c) => count[c]).join(" | ")} | ${[...runs].join(", ")} |`);
}

const text = [
  "# Mutation score per folder",
  "",
  "Written by `npm run mutation` (stryker.report.mjs) from every run's report under reports/mutation/<run>/.",
  "Score = (killed + timeout) / (killed + timeout + survived + no coverage). Ignored: mutants in code",
  "that only runs outside a test (module loading), left out by `ignoreStatic`.",
  "",
  `| folder | score | mutants | ${COLUMNS.map((c) => c.replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase()).join(" | ")} | run |`,
  `|---|---|---|${COLUMNS.map(() => "---").join("|")}|---|`,
  ...rows,
  "",
  // How each run was narrowed and why (hand-written beside the generated table).
  ...(existsSync(join(ROOT, "notes.md")) ? [readFileSync(join(ROOT, "notes.md"), "utf8").trim(), ""] : []),
  `## Mutants left alive (${survivors.length}), and why`,
  "",
  ...survivors,
  "",
].join("\n");
writeFileSync(join(ROOT, "scores.md"), text);
console.log(text.split("\n## Mutants left alive")[0]);
console.log(`${survivors.length} mutants left alive, listed in ${join(ROOT, "scores.md")}`);
