"use strict";
// What every tenancy request pays besides its route's own work, at its cheapest: one log line
// (the same template, written in 16 KB blocks as the server does) and two metric updates.
const { openSync } = require("node:fs");
const pino = require("pino");
const { Counter, Histogram, Registry } = require("prom-client");

function duties(app, logFile) {
  const log = pino.destination({ dest: openSync(logFile, "w"), sync: false, minLength: 16384, maxWrite: 65536, contentMode: "buffer" });
  setInterval(() => log.flush(), 100).unref();
  const registry = new Registry();
  const requests = new Counter({ name: "requests_total", help: "-", labelNames: ["method", "route", "status"], registers: [registry] });
  const duration = new Histogram({ name: "duration_seconds", help: "-", labelNames: ["method", "route"], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [registry] });
  app.addHook("onResponse", (req, reply, done) => {
    log.write(
      Buffer.from(
        `{"level":30,"time":${Date.now()},"pid":${process.pid},"hostname":"floor","reqId":"${req.id}","req":{"method":"${req.method}","url":"${req.url}",` +
          `"remoteAddress":"${req.ip}","requestId":"${req.id}"},"res":{"statusCode":${reply.statusCode}},"responseTime":${reply.elapsedTime},"msg":"request completed"}\n`,
      ),
    );
    const route = req.routeOptions.url;
    requests.inc({ method: req.method, route, status: String(reply.statusCode) });
    duration.observe({ method: req.method, route }, reply.elapsedTime / 1000);
    done();
  });
}

/** The bearer credential's SHA-256, as the server looks tokens and keys up. */
function bearerHash(req) {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? "");
  return m ? require("node:crypto").createHash("sha256").update(m[1]).digest("hex") : "";
}

function listen(app) {
  app.listen({ host: "127.0.0.1", port: 0 }).then((url) => console.log(url));
  process.on("SIGTERM", () => process.exit(0));
}

module.exports = { duties, bearerHash, listen };
