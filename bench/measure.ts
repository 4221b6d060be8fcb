import { performance } from "node:perf_hooks";

/**
 * Times a subject against a baseline in the same process and run, alternating rounds so that
 * drift (CPU frequency, caches, other load) hits both alike; reports the median ratio.
 */
export interface Comparison {
  name: string;
  baseline: string;
  subject: string;
  baselineMs: number;
  subjectMs: number;
  /** subject time / baseline time: 3.0 means the subject takes three times as long. */
  ratio: number;
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
  return { name, baseline: baseline[0], subject: subject[0], baselineMs: median(b), subjectMs: median(s), ratio: median(ratios) };
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
    console.log(
      `${r.name}: ${r.subject} takes ${r.ratio.toFixed(2)}x ${r.baseline} ` +
        `(median round ${r.subjectMs.toFixed(1)} ms vs ${r.baselineMs.toFixed(1)} ms)`,
    );
  }
}
