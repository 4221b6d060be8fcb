import assert from "node:assert/strict";
import { connect } from "node:net";
import { DIALECTS } from "../support/backend";
import { expectStatus, useBackend } from "./helpers";

/**
 * Requests the router never sees, answered by the server itself (backend/http/framework-errors.ts)
 * or refused before any write (a PATCH whose body is not an object): each is a problem+json that
 * names what was wrong, as every other refusal.
 */
for (const dialect of DIALECTS) {
  describe(`malformed requests (${dialect.name})`, function () {
    this.timeout(60_000);
    const { backend, root } = useBackend({ dialect });

    /** Sends `raw` on a connection of its own and reads the answer until the server closes it. */
    async function rawExchange(raw: string): Promise<{ head: string; problem: Record<string, unknown> }> {
      const { hostname, port } = new URL(backend.url);
      const socket = connect(Number(port), hostname);
      let answer = "";
      socket.on("data", (d) => (answer += d.toString()));
      const closed = new Promise<void>((ok) => socket.once("close", () => ok()));
      socket.on("error", () => undefined);
      await new Promise<void>((ok) => socket.once("connect", () => ok()));
      socket.write(raw);
      await closed;
      const split = answer.indexOf("\r\n\r\n");
      assert.ok(split > 0, `no HTTP answer: ${JSON.stringify(answer.slice(0, 200))}`);
      return { head: answer.slice(0, split), problem: JSON.parse(answer.slice(split + 4)) };
    }

    it("answers headers larger than 16 KB with 431 headers_too_large, saying how large they may be", async () => {
      const { head, problem } = await rawExchange(`GET /v1/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${backend.token}\r\nX-Padding: ${"a".repeat(20_000)}\r\n\r\n`);
      assert.match(head, /^HTTP\/1\.1 431 /);
      assert.match(head, /\r\ncontent-type: application\/problem\+json/i);
      assert.deepEqual([problem.code, problem.status, problem.title], ["headers_too_large", 431, "Headers too large"]);
      assert.equal(problem.detail, "the request's headers are larger than this server accepts (16 KB in all)");
      assert.match(String(problem.requestId), /^req_/);
    });

    it("answers bytes that are not HTTP/1.1 with 400 invalid_request", async () => {
      const { head, problem } = await rawExchange("HELLO THERE\r\n\r\n");
      assert.match(head, /^HTTP\/1\.1 400 /);
      assert.deepEqual([problem.code, problem.status], ["invalid_request", 400]);
      assert.equal(problem.detail, "the request is not valid HTTP/1.1");
    });

    it("refuses a PATCH whose body is a JSON array, not an object, naming the body, and changes nothing", async () => {
      const org = expectStatus(await root.post("/v1/organizations", { name: "Patch Co" }), 201);
      const res = await root.patch(`/v1/organizations/${org.id}`, ["name", "Other"]);
      assert.equal(res.status, 400);
      // The route's body schema refuses it before the merge (whose own non-object check is then never reached).
      assert.deepEqual(res.body.errors, [{ path: "(body)", message: "invalid input: expected object, received array" }]);
      assert.equal(expectStatus(await root.get(`/v1/organizations/${org.id}`), 200).name, "Patch Co");
    });
  });
}
