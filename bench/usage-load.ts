import { spawn } from "node:child_process";
import http from "node:http";
import { performance } from "node:perf_hooks";

/**
 * The load side of the usage benchmarks: a keep-alive HTTP client with less overhead than fetch
 * (so the server, not the client, sets the pace), an open-loop load at a fixed rate for tail
 * latencies, and the framework's hello-world as a separate process, the baseline of "as fast as
 * this stack answers anything".
 */
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/** One request; after keep-alive sockets the server closed while idle (EPIPE, ECONNRESET) it is retried once on a new one. */
export async function send(url: string, method: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  try {
    return await sendOnce(url, method, body, headers);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== "EPIPE" && code !== "ECONNRESET") throw err;
    // Idle sockets the server has closed: drop them all, then go again on a fresh one.
    agent.destroy();
    return sendOnce(url, method, body, headers);
  }
}

function sendOnce(url: string, method: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent, headers: { ...headers, ...(payload ? { "content-type": "application/json", "content-length": Buffer.byteLength(payload) } : {}) } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.setTimeout(10_000, () => req.destroy(new Error(`${method} ${url} timed out`)));
    req.on("error", reject);
    req.end(payload);
  });
}

/** Calls `fn` at `rate` per second for `seconds` (not waiting for answers) and returns the p99 latency in ms. */
export async function p99At(rate: number, seconds: number, fn: () => Promise<unknown>): Promise<number> {
  const latencies: number[] = [];
  const total = Math.max(1, Math.round(rate * seconds));
  const start = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    // Latency from when the request was due: a late send counts against the server (no coordinated omission).
    inFlight.push(fn().then(() => void latencies.push(performance.now() - due)));
  }
  await Promise.all(inFlight);
  latencies.sort((a, b) => a - b);
  return latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))];
}

/** Fastify's hello world in a process of its own, like the backend. */
export async function helloWorld(): Promise<{ url: string; stop(): void }> {
  const code = `const f = require("fastify")({ logger: false }); f.get("/", async () => ({ hello: "world" })); f.listen({ host: "127.0.0.1", port: 0 }).then((a) => console.log(a));`;
  const child = spawn(process.execPath, ["-e", code], { cwd: __dirname, stdio: ["ignore", "pipe", "inherit"] });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.once("data", (d: Buffer) => resolve(d.toString().trim()));
    child.once("exit", (c) => reject(new Error(`hello world exited with ${c}`)));
  });
  return { url, stop: () => child.kill("SIGTERM") };
}
