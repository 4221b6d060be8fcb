import http from "node:http";

/**
 * Open-loop load at a steady rate (CALM_RATE requests per second for CALM_SECONDS): request i is
 * due at start + i / rate whether or not earlier ones have answered, and its latency is counted
 * from when it was due, so a stalled server shows in the tail instead of slowing the sender
 * (no coordinated omission). Prints {p50, p99, count} in milliseconds as one JSON line.
 */
const url = new URL(process.env.CALM_URL!);
const rate = Number(process.env.CALM_RATE ?? 200);
const seconds = Number(process.env.CALM_SECONDS ?? 3);
const headers = JSON.parse(process.env.CALM_HEADERS ?? "{}") as Record<string, string>;
const body = process.env.CALM_BODY ?? "";
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const total = Math.round(rate * seconds);
const latencies: number[] = [];
let failures = 0;

function one(due: number): Promise<void> {
  return new Promise((resolve) => {
    const req = http.request(url, { method: process.env.CALM_METHOD ?? "POST", agent, headers: { ...headers, "content-length": Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on("end", () => {
        if (res.statusCode !== 200) failures++;
        latencies.push(performance.now() - due);
        resolve();
      });
    });
    // A request the server never answers counts as failed rather than hanging the run.
    req.setTimeout(10_000, () => req.destroy(new Error("timed out")));
    req.on("error", () => {
      failures++;
      resolve();
    });
    req.end(body);
  });
}

async function main(): Promise<void> {
  const start = performance.now() + 50;
  const pending: Array<Promise<void>> = [];
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    pending.push(one(due));
  }
  await Promise.all(pending);
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  process.stdout.write(JSON.stringify({ p50: at(0.5), p99: at(0.99), count: latencies.length, failures }) + "\n");
}

void main();
