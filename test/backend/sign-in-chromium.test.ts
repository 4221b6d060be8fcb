import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import type { Browser } from "playwright-core";
import { chromium } from "playwright-core";
import { DIALECTS } from "../support/backend";
import { useIdentityProvider } from "../support/identity-provider";
import { call, expectStatus, useBackend } from "./helpers";

/**
 * `tenancy login`'s verification page in a real browser: Debian's Chromium, driven by
 * playwright-core, through `/console/device`, the identity provider's login form and back. The
 * browser itself enforces the page's Content-Security-Policy: a script slipped into the page does
 * not run, and the form may still lead to the provider (form-action, checked on the redirect too).
 */

const CHROMIUM = "/usr/bin/chromium";
const present = existsSync(CHROMIUM);
const ACCOUNTS = { ana: { email: "ana@acme.test", emailVerified: true, amr: ["pwd", "otp"] } };

for (const dialect of DIALECTS) (present ? describe : describe.skip)(`the verification page in Chromium (${dialect.name})${present ? "" : ` — pending: ${CHROMIUM} is absent (apt-get install chromium)`}`, function () {
  this.timeout(120_000);
  const { env } = useIdentityProvider(ACCOUNTS);
  const { backend } = useBackend({ dialect, env });
  let browser: Browser;
  before(async () => (browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] })));
  after(() => browser?.close());

  it("confirms the code, signs in at the provider's form and comes back to 'you may close this window'; the device code then yields a token", async () => {
    const device = expectStatus(await call(backend.url, "POST", "/v1/auth/device", undefined, { body: { email: "ana@acme.test" } }), 200);
    const page = await browser.newPage();
    await page.goto(device.verificationUriComplete);
    assert.match(await page.textContent("body") ?? "", new RegExp(device.userCode));
    await page.click("button[type=submit]");
    await page.waitForURL((url) => url.pathname.startsWith("/interaction/"));
    await page.fill("input[name=login]", "ana");
    await page.click("button");
    await page.waitForURL((url) => url.href.startsWith(`${backend.url}/v1/auth/callback`));
    assert.match(await page.textContent("body") ?? "", /You are signed in as ana@acme\.test\.\s*You may close this window/);
    const signedIn = expectStatus(await call(backend.url, "POST", "/v1/auth/token", undefined, { body: { deviceCode: device.deviceCode } }), 200);
    assert.equal(signedIn.user.email, "ana@acme.test");
  });

  it("runs no inline script on the page: the browser refuses it under the page's policy", async () => {
    const page = await browser.newPage();
    const violations: string[] = [];
    page.on("console", (m) => violations.push(m.text()));
    // The page as served (status and headers, CSP included), with an inline script slipped in.
    await page.route(`${backend.url}/console/device`, async (route) => {
      const res = await route.fetch();
      await route.fulfill({ response: res, body: (await res.text()).replace("</body>", "<script>document.title = 'script ran'</script></body>") });
    });
    await page.goto(`${backend.url}/console/device`);
    assert.equal(await page.title(), "Sign in to tenancy · tenancy");
    assert.ok(violations.some((v) => /Content Security Policy/.test(v) && /script/.test(v)), violations.join("\n"));
  });
});
