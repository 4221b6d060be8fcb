import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { providerConfig, providerConfigFindings } from "../../provider/review";

/** A pull request that moves tenancy:endpoint or replaces tenancy:token is a mandatory finding. */
describe("the provider's configuration in a pull request", () => {
  const checkout = (stackConfig: string, projectConfig = "") => {
    const dir = mkdtempSync(join(tmpdir(), "tenancy-config-"));
    writeFileSync(join(dir, "Pulumi.yaml"), `name: app\nruntime: nodejs\n${projectConfig}`);
    writeFileSync(join(dir, "Pulumi.prod.yaml"), stackConfig);
    return providerConfig(dir, "prod");
  };
  const base = () => checkout("config:\n  tenancy:endpoint: https://tenancy.acme.test\n  tenancy:token:\n    secure: v1:AAAA\n");

  it("finds nothing when neither changes", () => assert.deepEqual(providerConfigFindings(base(), base(), "prod"), []));

  it("finds a moved endpoint, also one set in Pulumi.yaml's project config, and a replaced token, without showing the token", () => {
    const moved = checkout("config:\n  tenancy:token:\n    secure: v1:BBBB\n", "config:\n  tenancy:endpoint:\n    default: https://evil.test\n");
    assert.deepEqual(
      providerConfigFindings(base(), moved, "prod").map(({ rule, severity, message }) => ({ rule, severity, message })),
      [
        { rule: "provider-config-changed", severity: "mandatory", message: 'tenancy:endpoint changes: "https://tenancy.acme.test" → "https://evil.test"; the next up sends the deploy token there' },
        { rule: "provider-config-changed", severity: "mandatory", message: "tenancy:token changes: the next up runs with another token" },
      ],
    );
  });
});
