// `npm run mutation`: StrykerJS (mocha runner) over the backend's guards and billing path, the
// four folders of `folders` below, then stryker.report.mjs writes the score per folder and every
// mutant left alive with why (reports/mutation/survivors.json) to reports/mutation/scores.md.
// SQLite only (TEST_DATABASE_URL is unset); set TENANCY_TEST_REDIS_URL for the Redis paths.
// How long: a folder is 300 (usage/limits*) to 1200 (http) mutants; usage/limits* took about
// 40 minutes with 4 workers on a busy 2-core machine; a backend folder's mutants are reached by
// nearly every test, and none of auth, http or services finished in an hour with 2 workers
// (reports/mutation/notes.md), so run one folder, or its guard files first, at a time:
//   MUTATION_CHECK=off MUTATE='backend/auth/**/*.ts' MUTATION_RUN=auth npm run mutation
// Environment:
//   MUTATE          comma-separated globs narrowing the mutated files (default: all four folders)
//   MUTATION_RUN    the run's report folder, reports/mutation/<run>/ (html, json, incremental)
//   MUTATION_SUITES comma-separated suite names (test/backend or test/usage) narrowing the tests
//   MUTATION_EXTRA_SPECS comma-separated extra spec files
//   MUTATION_CONCURRENCY test workers side by side (default 3)
//   MUTATION_TIMEOUT_MS  what a mutant may take beyond its tests' own time before it is a timeout (default 30 s)
//   MUTATION_CHECK=off leaves out the TypeScript check of each mutant (its start takes minutes)
// A run is incremental: run again, only mutants whose code or tests changed run again.
// The backend runs inside the test process (test/support/in-process.ts), so per-test coverage
// picks the tests that reach each mutant; a child server would hide them (every mutant would run
// every test). access-model is left out: one test of a minute that reaches most of the backend
// would be the test every surviving mutant waits for. The compiled dist/ stays in the sandbox for
// the CLIs some suites run (npm run token). Suites that need a real process (signals, kill -9,
// its own output) are left out.
const run = process.env.MUTATION_RUN ?? "all";
const out = `reports/mutation/${run}`;
const folders = ["backend/http/**/*.ts", "backend/auth/**/*.ts", "backend/services/**/*.ts", "backend/usage/limits*.ts"];

// MUTATION_SUITES narrows the suites too (comma-separated names under test/backend or test/usage).
const narrowed = process.env.MUTATION_SUITES?.split(",");
const backendSuites = [
  "authorization-matrix", "route-table", "access-holes", "client-keys-authenticate-nothing", "api-keys", "audit", "bad-input",
  "claims", "credentials", "errors", "input-holes", "last-admin", "members", "organizations", "projects",
  "protocol", "token-expiry", "tokens", "viewer", "if-match", "project-visibility",
];
const usageSuites = ["limits", "redis", "budgets", "reservations", "admission"];

export default {
  testRunner: "mocha",
  // MUTATION_CHECK=off leaves the type check of each mutant out (its start takes minutes here).
  checkers: process.env.MUTATION_CHECK === "off" ? [] : ["typescript"],
  tsconfigFile: "tsconfig.json",
  coverageAnalysis: "perTest",
  // Code reached outside any test (module loading, the first suite's before hook) is "static":
  // such a mutant would run every test (minutes each). They are reported as Ignored.
  ignoreStatic: true,
  // Most of a mutant's time is its tests waiting (Redis timers, polls), not CPU: several workers
  // share two cores well. Each worker runs its own in-process backends (own SQLite file, port 0,
  // Redis prefix), so they never meet.
  concurrency: Number(process.env.MUTATION_CONCURRENCY ?? 3),
  // A mutant is a timeout past this (plus 1.5 × its tests' time in the dry run) and counts as
  // detected: on a loaded machine Stryker's 5 s let mutants that change nothing (if (false) on a
  // line no test reaches with a bad value) pass as timeouts. Real hangs cost this much each.
  timeoutMS: Number(process.env.MUTATION_TIMEOUT_MS ?? 30_000),
  mutate: process.env.MUTATE ? process.env.MUTATE.split(",") : folders,
  mochaOptions: {
    spec: [
      ...backendSuites.filter((s) => !narrowed || narrowed.includes(s)).map((s) => `test/backend/${s}.test.ts`),
      ...usageSuites.filter((s) => !narrowed || narrowed.includes(s)).map((s) => `test/usage/${s}.test.ts`),
      ...(process.env.MUTATION_EXTRA_SPECS ? process.env.MUTATION_EXTRA_SPECS.split(",") : []),
    ],
    require: ["ts-node/register/transpile-only", "./test/support/in-process.ts"],
  },
  ignorePatterns: [".tenancy", ".pulumi-state", "reports", "examples", "bench", "*.log"],
  incremental: true,
  incrementalFile: `${out}/incremental.json`,
  plugins: ["@stryker-mutator/*", "./stryker.partial.mjs"],
  reporters: ["progress", "json", "html", "partial"],
  jsonReporter: { fileName: `${out}/mutation.json` },
  htmlReporter: { fileName: `${out}/mutation.html` },
  // The first run, with coverage per test, takes minutes on a shared 2-core machine.
  dryRunTimeoutMinutes: 20,
  // Runs of different folders can go side by side: each has its own sandbox in here.
  tempDirName: ".stryker-tmp",
  cleanTempDir: "always",
};
