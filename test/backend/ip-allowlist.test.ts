import assert from "node:assert/strict";
import { DIALECTS } from "../support/backend";
import { expectStatus, useBackend } from "./helpers";

/**
 * An organization's IP allowlist (securityPolicy.ipAllowlist) against addresses a trusted proxy
 * may pass on: an address in any one of the ranges is let in, IPv4 or IPv6; one that is no address
 * at all is refused (never let through); an IPv4 address in its IPv6-mapped form is the address it maps.
 */
for (const dialect of DIALECTS) {
  describe(`IP allowlist, odd client addresses (${dialect.name})`, function () {
    this.timeout(60_000);
    const { root } = useBackend({ dialect, env: { TENANCY_TRUSTED_PROXIES: "127.0.0.1/32" } });
    const from = (ip: string) => ({ headers: { "x-forwarded-for": ip } });
    let org: string;

    before(async () => {
      org = expectStatus(await root.post("/v1/organizations", { name: "Fenced" }), 201).id;
      expectStatus(await root.patch(`/v1/organizations/${org}`, { securityPolicy: { ipAllowlist: ["2001:db8::/32", "203.0.113.0/24"] } }, from("203.0.113.9")), 200);
    });

    it("refuses a client address that is not an IP address with 403 ip_not_allowed, naming it", async () => {
      const refused = expectStatus(await root.get(`/v1/organizations/${org}`, from("not-an-address")), 403);
      assert.equal(refused.code, "ip_not_allowed");
      assert.equal(refused.detail, "requests from not-an-address are not in this organization's IP allowlist");
    });

    it("lets in an address of any one of the ranges, IPv4 or IPv6, whatever the other ranges are", async () => {
      expectStatus(await root.get(`/v1/organizations/${org}`, from("203.0.113.9")), 200);
      expectStatus(await root.get(`/v1/organizations/${org}`, from("2001:db8::7")), 200);
      assert.equal(expectStatus(await root.get(`/v1/organizations/${org}`, from("2001:db9::7")), 403).code, "ip_not_allowed");
    });

    it("reads an IPv4 address in its IPv6-mapped form as that IPv4 address", async () => {
      expectStatus(await root.get(`/v1/organizations/${org}`, from("::ffff:203.0.113.9")), 200);
      assert.equal(expectStatus(await root.get(`/v1/organizations/${org}`, from("::ffff:198.51.100.7")), 403).code, "ip_not_allowed");
    });
  });
}
