// A gateway process for the crash test: reports the events given on stdin with a client whose
// flush is far away, says "reported" once every report resolved, then waits to be killed.
const { GatewayClient } = require("../../dist/gateway");

let input = "";
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", async () => {
  const { endpoint, credential, queueDir, events } = JSON.parse(input);
  const client = new GatewayClient({ endpoint, credential, queueDir, flushDelayMs: 3_600_000 });
  for (const event of events) await client.report(event);
  process.stdout.write("reported\n");
  setInterval(() => undefined, 60_000);
});
