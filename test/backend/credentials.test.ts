import assert from "node:assert/strict";
import { API_KEY_PREFIX, hasValidChecksum, hashSecret, newSecret, redact, TOKEN_PREFIX } from "../../backend/auth/credentials";

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
});
