import http from "node:http";

/**
 * A gateway flooding one project's usage until SIGTERM: FLOOD_CONNECTIONS loops posting
 * 1,000-event batches; with FLOOD_HONOURS=1 a 429 is waited out for its Retry-After (the gateway
 * client's behaviour), otherwise the next batch goes at once. Bodies are built as strings (each
 * event id new), so the flood costs the server, not this process's JSON encoder. Prints
 * {accepted, refused} as one JSON line when stopped.
 */
const url = new URL(process.env.FLOOD_URL!);
const credential = process.env.FLOOD_CREDENTIAL!;
const apiKeyId = process.env.FLOOD_API_KEY_ID!;
const honours = process.env.FLOOD_HONOURS === "1";
const connections = Number(process.env.FLOOD_CONNECTIONS ?? 4);
const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
let running = true;
let accepted = 0;
let refused = 0;
let n = 0;
const tail = `","apiKeyId":${JSON.stringify(apiKeyId)},"model":"gpt-4o-mini","inputTokens":100,"outputTokens":50}`;

function batch(): string {
  const events: string[] = [];
  for (let i = 0; i < 1000; i++) events.push(`{"eventId":"flood-${process.pid}-${n++}${tail}`);
  return `{"events":[${events.join(",")}]}`;
}

function post(body: string): Promise<{ status: number; retryAfter: number }> {
  return new Promise((resolve) => {
    const req = http.request(url, { method: "POST", agent, headers: { authorization: `Bearer ${credential}`, "content-type": "application/json", "content-length": Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode ?? 0, retryAfter: Number(res.headers["retry-after"] ?? 1) }));
    });
    // A refusal before the body is read may close the socket under a request still being sent.
    req.on("error", () => resolve({ status: 0, retryAfter: 0 }));
    req.end(body);
  });
}

async function worker(): Promise<void> {
  while (running) {
    const res = await post(batch());
    if (res.status === 200) accepted += 1000;
    // 0: the server answered 429 on the headers and closed the connection under the body.
    else if (res.status === 429 || res.status === 0) {
      refused += 1000;
      if (honours) await new Promise((r) => setTimeout(r, res.retryAfter * 1000));
    } else if (res.status !== 0) {
      process.stderr.write(`flood answered ${res.status}\n`);
      process.exit(1);
    }
  }
}

const workers = Array.from({ length: connections }, worker);
process.on("SIGTERM", () => {
  running = false;
  void Promise.all(workers).then(() => {
    agent.destroy();
    process.stdout.write(JSON.stringify({ accepted, refused }) + "\n");
    process.exit(0);
  });
});
