// `npm run mutation`'s last step: the mutation score per folder, written to
// reports/mutation/scores.md with every mutant left alive and why it was left
// (reports/mutation/survivors.json, by hand), and printed.
// Each run's own reports (reports/mutation/<run>/: Stryker's mutation.json when the run ended, or
// what a run stopped early logged in partial.jsonl) are big and not committed, so each run is first
// folded into a small committed summary, reports/mutation/<run>.summary.json: per file, the
// counts by status and the mutants left alive. The table is made from the summaries alone, so a
// fresh checkout (no run folders) renders the same figures, and a new run adds to them.
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
 * A run folder's mutants by file, folded into its summary: Stryker's mutation.json when the run
 * ended, else the mutants stryker.partial.mjs logged so far (then `tested` < `planned`).
 */
function summarize(run) {
  const report = join(ROOT, run, "mutation.json");
  const partial = join(ROOT, run, "partial.jsonl");
  let byFile;
  let planned;
  let at;
  if (existsSync(report)) {
    byFile = Object.fromEntries(Object.entries(JSON.parse(readFileSync(report, "utf8")).files).map(([f, r]) => [f, r.mutants]));
    at = statSync(report).mtime;
  } else if (existsSync(partial)) {
    const [head, ...lines] = readFileSync(partial, "utf8").trim().split("\n").map((l) => JSON.parse(l));
    byFile = {};
    for (const { file, ...m } of lines) (byFile[file] ??= []).push(m);
    planned = head;
    at = statSync(partial).mtime;
  } else return undefined;
  const tested = Object.values(byFile).reduce((n, ms) => n + ms.length, 0);
  const files = Object.fromEntries(
    Object.entries(byFile).map(([file, mutants]) => {
      const counts = Object.fromEntries(COLUMNS.map((c) => [c, mutants.filter((m) => m.status === c).length]));
      const brief = (m) => ({ line: m.location.start.line, column: m.location.start.column, status: m.status, mutatorName: m.mutatorName, replacement: (m.replacement ?? "").replace(/\s+/g, " ").slice(0, 80) });
      // A recheck keeps every mutant it tested (a few): each replaces that mutant's status in the run before.
      const kept = isRecheck(run) ? mutants.filter((m) => m.status !== "Ignored") : mutants.filter((m) => UNDETECTED.includes(m.status));
      return [file, { counts, ...(planned?.files ? { planned: planned.files[file] } : {}), [isRecheck(run) ? "tested" : "alive"]: kept.map(brief) }];
    }),
  );
  const summary = { run, at: at.toISOString(), tested, planned: planned ? planned.planned : tested, files };
  writeFileSync(join(ROOT, `${run}.summary.json`), JSON.stringify(summary, null, 1) + "\n");
  return summary;
}

/**
 * A run named recheck-* tests again, with tests written since, a few mutants a run before left
 * alive (MUTATE narrowed to their lines, MUTATION_SUITES to the new tests): it changes those
 * mutants' statuses and nothing else, where any other run replaces the figures of the files it tested.
 */
const isRecheck = (run) => run.startsWith("recheck-");

const runFolders = existsSync(ROOT) ? readdirSync(ROOT).filter((n) => statSync(join(ROOT, n)).isDirectory()) : [];
for (const run of runFolders) summarize(run);
const summaries = readdirSync(ROOT)
  .filter((n) => n.endsWith(".summary.json"))
  .map((n) => JSON.parse(readFileSync(join(ROOT, n), "utf8")))
  .sort((a, b) => a.at.localeCompare(b.at));

/**
 * Each file's figures from the newest summary that tested it (a later run of a file replaces an
 * earlier one). A summary carried over from a run whose report is gone may hold only the counts of
 * several files together (`together`): a newer run of any of them replaces the whole group.
 */
const entries = [];
const testedIn = (g) => COLUMNS.reduce((n, c) => n + (g.counts[c] ?? 0), 0);
const sameMutant = (a, b) => a.line === b.line && a.column === b.column && a.mutatorName === b.mutatorName && a.replacement === b.replacement;
/** A recheck's results for `file`: each mutant the file's latest run left alive and the recheck detected moves to its new status. */
function recheck(file, tested, run) {
  const entry = entries.find((e) => e.files.includes(file));
  if (!entry) return;
  for (const m of tested) {
    const i = entry.alive.findIndex((a) => a.file === file && sameMutant(a, m));
    if (i < 0 || UNDETECTED.includes(m.status)) continue;
    entry.counts[entry.alive[i].status] -= 1;
    entry.counts[m.status] = (entry.counts[m.status] ?? 0) + 1;
    entry.alive.splice(i, 1);
    entry.rechecked = [...(entry.rechecked ?? []), run];
  }
}
for (const s of summaries.filter((s) => !isRecheck(s.run))) {
  const runName = s.tested < s.planned ? `${s.run} (partial: ${s.tested} of ${s.planned} mutants tested)` : s.run;
  let groups = s.together ? [s.together] : Object.entries(s.files).map(([file, r]) => ({ ...r, files: [file] }));
  // A later run replaces what an earlier one found in the same files, unless it was stopped
  // before testing as many of their mutants (a run cut short keeps the fuller figures before it).
  // A later run that tested all of its mutants always replaces: the file may have shrunk since.
  for (const older of entries.filter((e) => e.files.some((f) => groups.some((g) => g.files.includes(f))))) {
    const overlapping = groups.filter((g) => g.files.some((f) => older.files.includes(f)));
    const complete = s.tested >= s.planned || overlapping.every((g) => g.planned !== undefined && testedIn(g) >= g.planned);
    if (complete || overlapping.reduce((n, g) => n + testedIn(g), 0) >= testedIn(older)) entries.splice(entries.indexOf(older), 1);
    else groups = groups.filter((g) => !overlapping.includes(g));
  }
  for (const g of groups) entries.push({ ...g, counts: { ...g.counts }, run: runName, alive: g.alive.map((m) => ({ file: g.files[0], ...m })) });
}

// Rechecks last, whenever they ran: what a later test kills stays killed.
for (const s of summaries.filter((s) => isRecheck(s.run))) for (const [file, { tested }] of Object.entries(s.files)) recheck(file, tested, s.run);

/** Why each mutant left alive was left: `file:line mutator` → reason (an equivalent mutant, or what would kill it). */
const reasonsFile = join(ROOT, "survivors.json");
const reasons = existsSync(reasonsFile) ? JSON.parse(readFileSync(reasonsFile, "utf8")) : {};

const rows = [];
const survivors = [];
for (const folder of FOLDERS) {
  const count = Object.fromEntries(COLUMNS.map((c) => [c, 0]));
  const runs = new Set();
  const all = sourceFiles("backend").filter(folder.holds);
  const covered = new Set();
  const short = [];
  for (const e of entries) {
    if (!e.files.some(folder.holds)) continue;
    runs.add(e.run);
    for (const r of e.rechecked ?? []) runs.add(r);
    e.files.forEach((f) => covered.add(f));
    for (const c of COLUMNS) count[c] += e.counts[c] ?? 0;
    const tested = testedIn(e);
    if (e.planned && tested < e.planned) short.push(`${e.files.join(" + ")} ${tested} of ${e.planned}`);
    for (const m of e.alive) {
      const why = reasons[`${m.file}:${m.line} ${m.mutatorName}`] ?? "not looked at yet";
      survivors.push(`- \`${m.file}:${m.line}\` ${m.status} ${m.mutatorName} → \`${m.replacement.replace(/`/g, "'")}\`: ${why}`);
    }
  }
  const unrun = all.filter((f) => !covered.has(f));
  const detected = DETECTED.reduce((n, s) => n + count[s], 0);
  const counted = detected + UNDETECTED.reduce((n, s) => n + count[s], 0);
  const mutants = Object.values(count).reduce((n, c) => n + c, 0);
  const gaps = [...(short.length ? [`files partly tested: ${short.join(", ")}`] : []), ...(unrun.length ? [`${unrun.join(", ")} not run`] : [])];
  const score = !runs.size ? "not run" : `${((100 * detected) / counted).toFixed(1)} %${gaps.length ? ` (partial: ${gaps.join("; ")})` : ""}`;
  rows.push(`| ${folder.name} | ${score} | ${mutants} | ${COLUMNS.map((c) => count[c]).join(" | ")} | ${[...runs].join(", ")} |`);
}

const text = [
  "# Mutation score per folder",
  "",
  "Written by `npm run mutation` (stryker.report.mjs) from the runs' summaries, reports/mutation/<run>.summary.json.",
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
