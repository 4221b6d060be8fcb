import assert from "node:assert/strict";
import { pbkdf2 } from "node:crypto";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import type { FastifyReply, FastifyRequest } from "fastify";
import fc from "fast-check";
import pino from "pino";
import { buildApp } from "../../backend/app";
import { startUsage } from "../../backend/usage/usage.runtime";
import { loadConfig } from "../../backend/config";
import { logCompleted, logDestination, requestFields, requestLogger } from "../../backend/http/request-log";
import type { Store } from "../../backend/store/db";
import { tempStore } from "./helpers";

/** A stream that keeps what is written to it. */
function capture(): { stream: Writable; text(): string } {
  let text = "";
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
}

const withoutTime = (line: string) => line.replace(/"time":\d+/, '"time":0');

/**
 * The request line is written from a template, not by pino: it must be what pino writes for the
 * same fields, or log readers that parse pino's lines would see two shapes.
 */
describe("the request log line", () => {
  it("is byte for byte what the request's pino child logger writes, for any URL and id, made or not", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("GET", "POST", "PATCH", "DELETE"),
        // Any text without lone surrogates (pino writes those unescaped, which is not valid UTF-8).
        fc.string({ unit: "grapheme" }),
        fc.string({ unit: "grapheme-ascii", minLength: 1 }),
        fc.constantFrom(200, 201, 204, 404, 429),
        fc.double({ min: 0, max: 1e5, noNaN: true }),
        (method, url, id, statusCode, elapsedTime) => {
          const ours = capture();
          const lazy = capture();
          const theirs = capture();
          const child = pino({ level: "info", serializers: { req: requestFields } }, ours.stream).child({ reqId: id });
          // The app's own request logger, whose pino child is never made for this line.
          const app = requestLogger(pino({ level: "info", serializers: { req: requestFields } }, lazy.stream), { reqId: id }, {});
          const reference = pino({ level: "info", serializers: { req: requestFields } }, theirs.stream).child({ reqId: id });
          const req = { method, url, ip: "203.0.113.9", id } as FastifyRequest;
          logCompleted(req, { log: child, statusCode, elapsedTime } as unknown as FastifyReply);
          logCompleted(req, { log: app, statusCode, elapsedTime } as unknown as FastifyReply);
          reference.info({ req, res: { statusCode }, responseTime: elapsedTime }, "request completed");
          assert.equal(withoutTime(ours.text()), withoutTime(theirs.text()));
          assert.equal(withoutTime(lazy.text()), withoutTime(theirs.text()));
          assert.equal(JSON.parse(ours.text()).req.url, requestFields(req).url);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("escapes what would break the line: quotes, backslashes, control characters, lone surrogates", () => {
    const out = capture();
    const child = pino({ level: "info" }, out.stream).child({ reqId: "r" });
    const url = '/a"b\\c\n\u0000\u2028\ud800?x=tpk_abcdefghijkl';
    logCompleted({ method: "GET", url, ip: "::1", id: "r" } as FastifyRequest, { log: child, statusCode: 200, elapsedTime: 1 } as unknown as FastifyReply);
    assert.equal(out.text().split("\n").length, 2, "one line");
    const line = JSON.parse(out.text());
    assert.equal(line.req.url, '/a"b\\c\n\u0000\u2028\ud800?x=tpk_[redacted]');
  });

  it("is not written when the level is above info", () => {
    const out = capture();
    const child = pino({ level: "warn" }, out.stream).child({ reqId: "r" });
    logCompleted({ method: "GET", url: "/", ip: "::1", id: "r" } as FastifyRequest, { log: child, statusCode: 200, elapsedTime: 1 } as unknown as FastifyReply);
    assert.equal(out.text(), "");
  });

  describe("in the app", () => {
    let store: Store;
    let dispose: () => Promise<void>;
    before(async () => ({ store, dispose } = await tempStore("request-log")));
    after(() => dispose());

    it("one line per request, with the request's id, route answer and time", async () => {
      const out = capture();
      const config = loadConfig({ TENANCY_LOG_LEVEL: "info" });
      const app = buildApp({ config, store, usage: await startUsage(store, config.usage), logStream: out.stream });
      await app.inject({ method: "GET", url: "/healthz", headers: { "x-request-id": "probe-1" } });
      await app.inject({ method: "GET", url: "/nowhere?token=tmt_abcdefghijklmnop" });
      await app.close();
      const lines = out
        .text()
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l))
        .filter((l) => l.msg === "request completed");
      assert.equal(lines.length, 2);
      assert.deepEqual(Object.keys(lines[0]), ["level", "time", "pid", "hostname", "reqId", "req", "res", "responseTime", "msg"]);
      assert.deepEqual([lines[0].reqId, lines[0].req, lines[0].res], ["probe-1", { method: "GET", url: "/healthz", remoteAddress: "127.0.0.1", requestId: "probe-1" }, { statusCode: 200 }]);
      assert.equal(typeof lines[0].responseTime, "number");
      assert.deepEqual([lines[1].req.url, lines[1].res.statusCode], ["/nowhere?token=tmt_[redacted]", 404]);
    });
  });
});

describe("the server's log destination", () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), "tenancy-log-"))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("writes every line whole and in order, across many blocks, by the time close resolves", async () => {
    const file = join(dir, "many.log");
    const fd = openSync(file, "w");
    const dest = logDestination(fd);
    const lines = Array.from({ length: 5000 }, (_, i) => `{"n":${i},"text":"${"é".repeat(i % 50)}"}\n`);
    // Keep libuv's thread pool busy (4 threads) so the first block's write is still on its way
    // when close is called: what it writes then must land after that block, not before.
    const busy = Array.from({ length: 4 }, () => new Promise((ok) => pbkdf2("x", "y", 300_000, 32, "sha256", ok)));
    for (const line of lines) dest.write(line);
    await dest.close();
    await Promise.all(busy);
    closeSync(fd);
    assert.equal(readFileSync(file, "utf8"), lines.join(""));
  });

  it("writes a quiet server's few lines within about 100 ms, without a flush", async () => {
    const file = join(dir, "quiet.log");
    const fd = openSync(file, "w");
    const dest = logDestination(fd);
    dest.write('{"msg":"one"}\n');
    const deadline = Date.now() + 2000;
    while (readFileSync(file, "utf8") === "" && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(readFileSync(file, "utf8"), '{"msg":"one"}\n');
    await dest.close();
    closeSync(fd);
  });
});
