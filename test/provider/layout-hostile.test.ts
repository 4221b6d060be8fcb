import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LAYOUT_MAX_BYTES, LayoutFileError, loadLayoutFile, parseLayout } from "../../provider/layout";
import { problems } from "./layout-problems";

/**
 * `tenancy.yaml` as hostile input: it arrives in pull requests. The loader reads only a regular
 * file under a size cap, reads it as YAML 1.2 whatever it declares, keeps yaml's own defences
 * (alias budget, nesting, duplicate keys, tags) and the schema's (look-alike emails), and grows
 * linearly with the file.
 */

function fileError(path: string): string {
  try {
    loadLayoutFile(path);
  } catch (err) {
    assert.ok(err instanceof LayoutFileError, String(err));
    return err.message;
  }
  throw new Error("the layout file was read");
}

const members = (n: number) => Array.from({ length: n }, (_, i) => `  - { email: user${i}@acme.test, role: member }\n`).join("");

describe("tenancy.yaml as hostile input", () => {
  describe("the file", () => {
    let dir: string;
    before(() => (dir = mkdtempSync(join(tmpdir(), "tenancy-layout-"))));
    after(() => rmSync(dir, { recursive: true, force: true }));

    it("reads a regular file", () => {
      const file = join(dir, "tenancy.yaml");
      writeFileSync(file, "organization: { name: Acme }\n");
      assert.equal(loadLayoutFile(file).organization.name, "Acme");
    });

    it("refuses a symbolic link, even to /dev/zero, without reading through it", () => {
      const link = join(dir, "zero.yaml");
      symlinkSync("/dev/zero", link);
      assert.equal(fileError(link), `${link} is a symbolic link; a tenancy layout is read only from a regular file, named by its own path`);
    });

    it("refuses a device named directly", () => {
      assert.equal(fileError("/dev/zero"), "/dev/zero is a device, not a regular file; a tenancy layout is read only from a regular file");
    });

    it("refuses a FIFO at once, without waiting for a writer", () => {
      const fifo = join(dir, "fifo.yaml");
      execFileSync("mkfifo", [fifo]);
      assert.equal(fileError(fifo), `${fifo} is a FIFO (named pipe), not a regular file; a tenancy layout is read only from a regular file`);
    });

    it("refuses a directory and a missing file, naming the path", () => {
      const sub = join(dir, "folder.yaml");
      mkdirSync(sub);
      assert.equal(fileError(sub), `${sub} is a directory, not a regular file; a tenancy layout is read only from a regular file`);
      assert.equal(fileError(join(dir, "absent.yaml")), `${join(dir, "absent.yaml")} does not exist`);
    });

    it("refuses a file over the size cap before parsing it", () => {
      const big = join(dir, "big.yaml");
      writeFileSync(big, `organization: { name: Acme }\n#${"x".repeat(LAYOUT_MAX_BYTES)}\n`);
      assert.equal(fileError(big), `${big} is larger than 8 MiB, the most a tenancy layout may hold`);
    });

    it("refuses bytes that are not UTF-8", () => {
      const latin1 = join(dir, "latin1.yaml");
      writeFileSync(latin1, Buffer.from("organization: { name: Caf\xe9 }\n", "latin1"));
      assert.equal(fileError(latin1), `${latin1} is not UTF-8 text; a tenancy layout is a YAML document in UTF-8`);
    });
  });

  describe("YAML 1.1", () => {
    const v11 = [
      "%YAML 1.1",
      "---",
      "organization: { name: Acme }",
      "admins: &admin { role: admin }",
      "members:",
      "  - email: ana@acme.test",
      "    <<: *admin",
      "",
    ].join("\n");

    it("refuses a %YAML 1.1 directive, naming its line", () => {
      assert.deepEqual(problems(v11), [
        "tenancy.yaml:1:1: %YAML 1.1: a tenancy layout is YAML 1.2; remove the directive (1.1 reads merge keys and sexagesimal numbers that 1.2 does not)",
      ]);
    });

    it("reads a merge key and a base-60 number as YAML 1.2 does: an unknown field and a string", () => {
      const text = [
        "organization: { name: Acme }",
        "members:",
        "  - email: ana@acme.test",
        "    role: member",
        "    <<: { role: admin }",
        "projects:",
        "  - { name: chat, environment: development, expectedMonthlySpendUsd: 60:00 }",
        "",
      ].join("\n");
      assert.deepEqual(problems(text), [
        'tenancy.yaml:5:5: members[0].<<: unknown field "<<"',
        "tenancy.yaml:7:45: projects[0].expectedMonthlySpendUsd: invalid input: expected number, received string",
      ]);
    });

    it("accepts an explicit %YAML 1.2 directive", () => {
      assert.equal(parseLayout("%YAML 1.2\n---\norganization: { name: Acme }\n").organization.name, "Acme");
    });
  });

  describe("what yaml and the schema already refuse", () => {
    it("stops an alias bomb at its first alias", () => {
      let text = "organization: { name: Acme }\nx0: &x0 [a, a, a, a, a, a, a, a, a, a]\n";
      for (let i = 1; i < 10; i++) text += `x${i}: &x${i} [${Array(10).fill(`*x${i - 1}`).join(", ")}]\n`;
      assert.deepEqual(problems(text), ["tenancy.yaml:3:10: excessive alias count indicates a resource exhaustion attack"]);
    });

    it("refuses nesting too deep for the parser with a problem, not a crash", () => {
      const text = `organization: { name: Acme }\nx: ${"[".repeat(100_000)}${"]".repeat(100_000)}\n`;
      const found = problems(text);
      assert.ok(found.length > 0 && found.every((p) => /^tenancy\.yaml:\d+:\d+: /.test(p)), found.join("\n"));
    });

    it("refuses a duplicate key", () => {
      assert.deepEqual(problems("organization: { name: Acme }\norganization: { name: Evil }\n"), ["tenancy.yaml:2:1: Map keys must be unique"]);
    });

    it("refuses a tag it does not know instead of dropping it", () => {
      assert.deepEqual(problems("organization: { name: !evil Acme }\nmembers:\n  - { email: ana@acme.test, role: !!js/function admin }\n"), [
        "tenancy.yaml:1:23: Unresolved tag: !evil",
        "tenancy.yaml:3:35: Unresolved tag: tag:yaml.org,2002:js/function",
      ]);
    });

    it("refuses an email with a look-alike letter", () => {
      // "аna": the first letter is Cyrillic U+0430, not Latin a.
      assert.deepEqual(problems("organization: { name: Acme }\nmembers:\n  - { email: \u0430na@acme.test, role: admin }\n"), [
        "tenancy.yaml:3:7: members[0].email: must be an email address such as ana@example.com",
      ]);
    });
  });

  describe("size", function () {
    this.timeout(5 * 60 * 1000);

    it("loads 80,000 members", () => {
      const layout = parseLayout(`organization: { name: Acme }\nmembers:\n${members(80_000)}`);
      assert.equal(layout.members.length, 80_000);
      assert.deepEqual(layout.members[79_999], { email: "user79999@acme.test", role: "member" });
    });

    it("names every one of 20,000 invalid members without a quadratic lookup", () => {
      const found = problems(`organization: { name: Acme }\nmembers:\n${members(20_000).replaceAll("role: member", "role: boss")}`);
      assert.equal(found.length, 20_000);
      assert.match(found[19_999], /^tenancy\.yaml:20002:35: members\[19999\]\.role: invalid option/);
    });
  });
});
