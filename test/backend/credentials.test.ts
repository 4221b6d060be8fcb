import assert from "node:assert/strict";
import { isIdOf } from "../../backend/auth/access";
import { API_KEY_PREFIX, bearer, hasValidChecksum, hashSecret, newId, newRequestId, newSecret, redact, scrubSecrets, statusOf, TOKEN_PREFIX } from "../../backend/auth/credentials";

/** The credential format secret scanners rely on: prefix, 32 random bytes, CRC32 checksum. */
describe("credential format", () => {
  it("makes distinct tokens and keys with a valid checksum and a recognisable prefix", () => {
    const values = Array.from({ length: 200 }, (_, i) => newSecret(i % 2 ? TOKEN_PREFIX : API_KEY_PREFIX));
    assert.equal(new Set(values).size, values.length);
    for (const v of values) {
      assert.match(v, /^(tmt|tpk)_[0-9A-Za-z]{49}$/);
      assert.ok(hasValidChecksum(v), v);
    }
  });

  it("detects a changed character through the checksum", () => {
    const v = newSecret(TOKEN_PREFIX);
    const i = 10;
    const flipped = `${v.slice(0, i)}${v[i] === "a" ? "b" : "a"}${v.slice(i + 1)}`;
    assert.equal(hasValidChecksum(flipped), false);
    assert.equal(hasValidChecksum("tmt_short"), false);
  });

  it("stores a SHA-256 hash and shows prefix…last four", () => {
    const v = newSecret(API_KEY_PREFIX);
    assert.match(hashSecret(v), /^[0-9a-f]{64}$/);
    assert.equal(redact(v), `tpk_…${v.slice(-4)}`);
  });

  it("takes only a whole credential for one: text before or after it makes it something else", () => {
    const v = newSecret(TOKEN_PREFIX);
    assert.equal(hasValidChecksum(`x${v}`), false);
    assert.equal(hasValidChecksum(`${v}x`), false);
  });
});

/** When a credential stops working, and what an id of a kind looks like: decided before any lookup. */
describe("credential status and id shapes", () => {
  it("calls a credential expired from the very instant of its expiry, and revoked over expired", () => {
    const at = "2026-12-07T12:00:00.000Z";
    assert.equal(statusOf({ revoked_at: null, expires_at: at }, "2026-12-07T11:59:59.999Z"), "active");
    assert.equal(statusOf({ revoked_at: null, expires_at: at }, at), "expired");
    assert.equal(statusOf({ revoked_at: null, expires_at: null }, at), "active");
    assert.equal(statusOf({ revoked_at: at, expires_at: "2026-12-01T00:00:00.000Z" }, at), "revoked");
  });

  it("takes an id for one of a kind only with that kind's prefix and 8 to 40 letters and digits after it", () => {
    assert.equal(isIdOf("organization", "org_1a2b3c4d"), true);
    assert.equal(isIdOf("organization", "abc_1a2b3c4d"), false, "another prefix of the same length");
    assert.equal(isIdOf("organization", "proj_1a2b3c4d"), false);
    assert.equal(isIdOf("organization", "org_1a2b3c4"), false, "7 characters");
    assert.equal(isIdOf("organization", `org_${"a".repeat(41)}`), false, "41 characters");
    assert.equal(isIdOf("organization", "org_1a2b3c4d\u0000"), false);
  });
});

/** What reaches the logs and what is read from a request's Authorization header. */
describe("credentials in requests and logs", () => {
  it("redacts a whole credential in a logged text, not just its first character", () => {
    const key = newSecret(API_KEY_PREFIX);
    assert.equal(scrubSecrets(`/v1/things?key=${key}&x=1`), "/v1/things?key=tpk_[redacted]&x=1");
    assert.equal(scrubSecrets("/v1/organizations/org_1a2b3c4d"), "/v1/organizations/org_1a2b3c4d", "an id is not a credential");
  });

  it("reads a bearer credential only from a whole `Bearer <credential>` header, up to 512 characters", () => {
    assert.equal(bearer("Bearer tmt_abc"), "tmt_abc");
    assert.equal(bearer("bearer   tmt_abc  "), "tmt_abc", "any case, any run of spaces around it");
    assert.equal(bearer("Bearer tmt_abc extra"), undefined, "a second word");
    assert.equal(bearer("xBearer tmt_abc"), undefined, "another scheme ending in Bearer");
    assert.equal(bearer("Basic dXNlcjpwYXNz"), undefined);
    assert.equal(bearer(undefined), undefined);
    assert.equal(bearer(`Bearer ${"a".repeat(512)}`), "a".repeat(512));
    assert.equal(bearer(`Bearer ${"a".repeat(513)}`), undefined, "longer than any credential of ours");
  });
});

/** Ids sort in creation order and request ids are unique within a process. */
describe("ids", () => {
  it("makes ids of a fixed shape: the prefix, 11 hex digits of time, a 6-digit counter, 9 random characters", () => {
    const [a, b] = [newId("org"), newId("org")];
    assert.match(a, /^org_[0-9a-f]{11}[0-9a-f]{6}[0-9A-Za-z]{9}$/);
    assert.ok(a < b, "a later id sorts after an earlier one");
  });

  it("numbers request ids one after the other behind the process's tag and the time", () => {
    const [a, b] = [newRequestId(), newRequestId()];
    const shape = /^req_([0-9A-Za-z]{9})([0-9a-f]{11})([0-9a-f]{8})$/;
    const [, tagA, , countA] = shape.exec(a)!;
    const [, tagB, , countB] = shape.exec(b)!;
    assert.equal(tagA, tagB);
    assert.equal((parseInt(countA, 16) + 1) % 0x100000000, parseInt(countB, 16));
  });
});
