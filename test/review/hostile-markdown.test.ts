import assert from "node:assert/strict";
import { buildModel } from "../../provider/guardrails/model";
import { after, escapeMarkdown, fromSteps, renderLaunchSheet, reviewPreview } from "../../provider/review";
import { fixture, tenancyProvider } from "./support";
import { HAS_CMARK_GFM, problemsOf, renderGfm, tableRows } from "./gfm";

/**
 * The hostile corpus of texts a pull request's program controls (names, emails, labels, rotation
 * triggers), rendered by GitHub's own renderer: nothing may open a comment or raw HTML, link,
 * mention, or add or hide a table row, and each text must read as written.
 */

const CORPUS: string[] = [
  "chat\r<!-- the rest of the comment is hidden",
  "chat\r\n<!--",
  "a\nb | admin | organization Acme |",
  "line\u2028separator<!--",
  "para\u2029graph",
  "<details><summary>nothing to see</summary>",
  "</td></tr></table><img src=x onerror=alert(1)>",
  "@ana please approve, cc @acme/security",
  "fixes #12 and acme/app#3",
  "[click](https://evil.test) ![x](https://evil.test/x.png) <https://evil.test>",
  "https://evil.test www.evil.test ben@acme.test",
  "`code` ``double`` ~~struck~~ *em* _em_ **strong** __strong__",
  "> quote",
  "- item",
  "+ item",
  "# heading",
  "1. first",
  "2) second",
  "&lt;entity&gt; &#60;!-- &amp;",
  "back\\slash\\<!--",
  "chat-\u202eedoc\u202c-prod",
  "zero\u200bwidth\u200d\ufeffjoiner\u2060",
  "nul\u0000bell\u0007del\u007fnel\u0085",
  "[ ] task",
  "<!---->",
  ":shipit: $x$",
  "    indented code",
  "---",
  "===",
  "10) tenth",
  "  - indented item",
  "WWW.evil.test ftp://evil.test HTTPS://evil.test",
  "a<b>c</b>&d;",
];

/** How the text must read once rendered: itself, with invisible characters named. */
const visible = (s: string) => s.replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, (c) => `⟨U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}⟩`);

const T = "pulumi-nodejs:dynamic/tenancy:";
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

describe("Markdown escaping against GitHub's renderer (cmark-gfm)", function () {
  before(function () {
    if (!HAS_CMARK_GFM) this.skip(); // pending: Debian's cmark-gfm is not installed (apt-get install cmark-gfm)
  });

  for (const s of CORPUS) {
    it(`renders ${JSON.stringify(s)} as one inert table cell, as written`, () => {
      const html = renderGfm(`| a | b |\n|---|---|\n| ${escapeMarkdown(s)} | after |\n`);
      assert.deepEqual(problemsOf(html), []);
      assert.deepEqual(tableRows(`<h3>t</h3>${html}`, "t"), [[visible(s), "after"]]);
    });
    it(`renders ${JSON.stringify(s)} as inert text at the start of a paragraph`, () => {
      const html = renderGfm(`${escapeMarkdown(s)}\n`);
      assert.deepEqual(problemsOf(html), []);
      assert.match(html, /^<p>[\s\S]*<\/p>\n$/);
    });
  }

  describe("in a review", () => {
    const A = "access-keys-policy";
    const org = () => fixture(A).steps.find((s) => String(s.urn).endsWith("::Acme"))!.urn as string;
    const member = (name: string, email: string, role: string) => ({
      op: "create",
      urn: `urn:pulumi:s1::p::${T}Membership::${name}`,
      newState: { type: `${T}Membership`, inputs: { organizationId: UNKNOWN, email, role, __provider: tenancyProvider("Membership") }, propertyDependencies: { organizationId: [org()] } },
    });
    const hostile = () => [
      ...fixture(A).steps.filter((s) => s.op === "same"),
      member("m1", "mallory@acme.test\r<!--", "member"),
      member("m2", "eve@acme.test", "admin"),
      member("m3", "x@acme.test\u2028<details>", "member"),
      member("m4", "@ana | admin | organization Acme |", "member"),
    ];

    it("shows every access change as its own row, with nothing hidden, linked or mentioned", () => {
      const review = reviewPreview(fromSteps(hostile()));
      const html = renderGfm(review.markdown);
      assert.deepEqual(problemsOf(html), []);
      assert.deepEqual(tableRows(html, "Access").map((r) => r.slice(0, 3)), [
        [visible("@ana | admin | organization Acme |"), "gains", "member"],
        ["eve@acme.test", "gains", "admin"],
        [visible("mallory@acme.test\r<!--"), "gains", "member"],
        [visible("x@acme.test\u2028<details>"), "gains", "member"],
      ]);
    });

    it("shows the launch sheet's projects one row each, whatever their names and owners hold", () => {
      const project = (name: string, owner: string) => ({
        op: "create",
        urn: `urn:pulumi:s1::p::${T}Project::${name.length}`,
        newState: { type: `${T}Project`, inputs: { organizationId: UNKNOWN, name, environment: "development", owner, __provider: tenancyProvider("Project") }, propertyDependencies: { organizationId: [org()] } },
      });
      const steps = [project("a<!--", "ben@acme.test\r| forged | row |"), project("b\u2028<details>", "@ana\nx")];
      const html = renderGfm(renderLaunchSheet(buildModel(after(fromSteps(steps)))));
      assert.deepEqual(problemsOf(html), []);
      const rows = html.slice(html.indexOf("<tbody>"), html.indexOf("</tbody>")).match(/<tr>/g) ?? [];
      assert.equal(rows.length, 2, html);
    });
  });
});
