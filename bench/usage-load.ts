import http from "node:http";

/**
 * The usage benchmarks' client for ingestion and queries: keep-alive HTTP with less overhead than
 * fetch. Throughput and tail latency against the hello-world use autocannon (http.bench.ts).
 */
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/** One request; after keep-alive sockets the server closed while idle (EPIPE, ECONNRESET) it is retried once on a new one. */
export async function send(url: string, method: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
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

export interface Answer {
  status: number;
  text: string;
  /** Seconds, when the answer carried Retry-After. */
  retryAfter?: number;
}

function sendOnce(url: string, method: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent, headers: { ...headers, ...(payload ? { "content-type": "application/json", "content-length": Buffer.byteLength(payload) } : {}) } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c) => (text += c));
      const retryAfter = res.headers["retry-after"] === undefined ? undefined : Number(res.headers["retry-after"]);
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text, ...(retryAfter === undefined ? {} : { retryAfter }) }));
    });
    req.setTimeout(10_000, () => req.destroy(new Error(`${method} ${url} timed out`)));
    req.on("error", reject);
    req.end(payload);
  });
}
