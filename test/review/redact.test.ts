import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { redactor } from "../../provider/review";
import { ROOT } from "../support/backend";
import { fixture, tenancyProvider } from "./support";

/**
 * A pull request's program can read the credentials its review job holds and print them, encoded,
 * in a name. The report redacts each by value, in every encoding a program can cheaply apply.
 */

const TOKEN = `tenancy-ci-${randomBytes(24).toString("base64url")}`;
const reversed = [...TOKEN].reverse().join("");
const b64 = (prefix: string) => Buffer.from(prefix + TOKEN).toString("base64");
const hex = Buffer.from(TOKEN).toString("hex");
const ENCODED = { plain: TOKEN, reversed, base64: b64(""), "base64 after 1 byte": b64("x"), "base64 after 2 bytes": b64("xy"), "base64url": b64("").replace(/\+/g, "-").replace(/\//g, "_"), hex, HEX: hex.toUpperCase() };

describe("credential redaction by value", () => {
  for (const [how, text] of Object.entries(ENCODED)) {
    it(`blanks out the token ${how}`, () => {
      const out = redactor([TOKEN])(`name: pre${text}post`);
      assert.match(out, /\[redacted\]/);
      // Nothing long enough to rebuild the token survives: at most the few characters at the edges.
      assert.ok(out.length < `name: pre${text}post`.length - 20, out);
    });
  }

  it("blanks out an invitation's accept code by its shape, though no job holds its value", () => {
    const link = "https://tenancy.example/v1/invitations/inv_1/accept?code=tiv_0123456789abcdefghijABCDEFGHIJ0123456789abcdef";
    assert.equal(redactor([])(link), "https://tenancy.example/v1/invitations/inv_1/accept?code=tiv_[redacted]");
  });

  it("leaves ordinary text alone, and short values are not taken for secrets", () => {
    assert.equal(redactor([TOKEN, "abc"])("ben@acme.test gains abc"), "ben@acme.test gains abc");
  });

  it("tenancy review redacts TENANCY_TOKEN from the report, however the program encoded it", () => {
    const org = fixture("access-keys-policy").steps.find((s) => String(s.urn).endsWith("::Acme"))!.urn as string;
    const steps = [
      ...fixture("access-keys-policy").steps.filter((s) => s.op === "same"),
      ...Object.values(ENCODED).map((text, i) => ({
        op: "create",
        urn: `urn:pulumi:s1::p::pulumi-nodejs:dynamic/tenancy:Membership::m${i}`,
        newState: { type: "pulumi-nodejs:dynamic/tenancy:Membership", inputs: { organizationId: "04da6b54-80e4-46f7-96ec-b56ff0331ba9", email: `${text}@acme.test`, role: "member", __provider: tenancyProvider("Membership") }, propertyDependencies: { organizationId: [org] } },
      })),
    ];
    const file = join(mkdtempSync(join(tmpdir(), "tenancy-redact-")), "preview.json");
    writeFileSync(file, JSON.stringify({ steps }));
    const r = spawnSync(process.execPath, [join(ROOT, "dist", "provider", "cli", "index.js"), "review", "--preview-json", file], { encoding: "utf8", env: { ...process.env, TENANCY_TOKEN: TOKEN } });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.split("\n").filter((l) => l.includes("\\[redacted\\]") && l.includes("| gains |")).length, Object.keys(ENCODED).length, r.stdout);
    for (const text of Object.values(ENCODED)) assert.ok(!r.stdout.includes(text.slice(4, 24)), `${text} in\n${r.stdout}`);
  });
});
