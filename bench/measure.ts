import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";

/**
 * Times a subject against a baseline in the same process and run, alternating rounds so that
 * drift (CPU frequency, caches, other load) hits both alike; reports the median ratio.
 */
export interface Comparison {
  name: string;
  baseline: string;
  subject: string;
  baselineValue: number;
  subjectValue: number;
  /** subject time / baseline time: 3.0 means the subject takes three times as long. */
  ratio: number;
  /** The unit of baselineValue and subjectValue: milliseconds per round unless said. */
  unit?: string;
  /** Printed under the result: what the reader should know about it (where the time goes when a goal is missed). */
  note?: string;
}

export async function compare(
  name: string,
  baseline: [string, () => Promise<unknown>],
  subject: [string, () => Promise<unknown>],
  rounds = 7,
): Promise<Comparison> {
  await baseline[1]();
  await subject[1](); // warm-up, not counted
  const b: number[] = [];
  const s: number[] = [];
  for (let i = 0; i < rounds; i++) {
    b.push(await time(baseline[1]));
    s.push(await time(subject[1]));
  }
  const ratios = s.map((v, i) => v / b[i]);
  return { name, baseline: baseline[0], subject: subject[0], baselineValue: median(b), subjectValue: median(s), ratio: median(ratios) };
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

export function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Runs `count` calls of `fn` with at most `concurrency` in flight. */
export async function load(count: number, concurrency: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await fn(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

export function report(results: Comparison[]): void {
  for (const r of results) {
    const unit = r.unit ?? "ms";
    if (unit === "req/s") {
      console.log(`${r.name}: ${r.subject} serves ${r.ratio.toFixed(2)}x the requests per second of a ${r.baseline} (median ${r.subjectValue.toFixed(0)} vs ${r.baselineValue.toFixed(0)} req/s)`);
      continue;
    }
    const verb = r.unit ? "is" : "takes";
    const what = r.unit ? "" : "median round ";
    console.log(
      `${r.name}: ${r.subject} ${verb} ${r.ratio.toFixed(2)}x ${r.baseline} ` +
        `(${what}${r.subjectValue.toFixed(1)} ${unit} vs ${r.baselineValue.toFixed(1)} ${unit})`,
    );
    if (r.note) console.log(`  ${r.note}`);
  }
}

/** Resident memory of a process, in MiB, from /proc (Linux). */
export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]);
  if (!kb) throw new Error(`no VmRSS for process ${pid}`);
  return kb / 1024;
}
