import assert from "node:assert/strict";
import { buildModel } from "../../provider/guardrails/model";
import { after, fromSteps, Preview, renderLaunchSheet, summarizeChanges } from "../../provider/review";
import { fixture, only, tenancyProvider } from "./support";

/**
 * The launch sheet of a preview that rotates a key or a service account token says how long the
 * old one stays valid (issue 20 item 3): the end of its `rotationOverlapHours`, or at once.
 */
describe("the launch sheet of a rotation", () => {
  const sheet = (preview: Preview) => renderLaunchSheet(buildModel(after(preview)), "Launch readiness", undefined, summarizeChanges(preview).keys);
  /** The saved preview that rotates assistant-prod's backend key, its old key given `hours` of overlap. */
  const rotation = (hours?: number) => {
    const preview = only("access-keys-policy", "assistant-prod:key:backend");
    const step = preview.steps.find((s) => s.op === "replace")!;
    if (hours !== undefined) step.old = { ...step.old!, props: { ...step.old!.props, rotationOverlapHours: hours } };
    return sheet(preview).split("\n").find((l) => l.startsWith("| assistant-prod "))!;
  };

  it("shows the rotated key's old key valid until its overlap ends (24 hours unless set), or revoked at once", () => {
    assert.match(rotation(), /backend: 90 days; old key valid until 24 h after the rotation(<br>|\s\|)/);
    assert.match(rotation(6), /backend: 90 days; old key valid until 6 h after the rotation(<br>|\s\|)/);
    assert.match(rotation(0), /backend: 90 days; old key revoked at once(<br>|\s\|)/);
  });

  it("says nothing of the kind for a key that is not rotated", () => {
    const line = sheet(only("access-keys-policy", "assistant-prod:key:backend")).split("\n").find((l) => l.startsWith("| assistant-staging "))!;
    assert.match(line, /\| ci: 90 days \|$/);
  });

  it("lists a service account token's rotation under the table", () => {
    const steps = [
      ...fixture("access-keys-policy").steps.filter((s) => s.op === "same"),
      {
        op: "update",
        urn: "urn:pulumi:s1::p::pulumi-nodejs:dynamic/tenancy:ServiceAccount::release",
        oldState: { type: "pulumi-nodejs:dynamic/tenancy:ServiceAccount", inputs: { organizationId: "org_1", name: "release", role: "member", rotationTriggers: { month: "2026-11" }, __provider: tenancyProvider("ServiceAccount") } },
        newState: { type: "pulumi-nodejs:dynamic/tenancy:ServiceAccount", inputs: { organizationId: "org_1", name: "release", role: "member", rotationTriggers: { month: "2026-12" }, rotationOverlapHours: 12, __provider: tenancyProvider("ServiceAccount") } },
      },
    ];
    assert.match(sheet(fromSteps(steps)), /\n- token of service account release \(organization org\\_1\) rotates: old token valid until 12 h after the rotation\n/);
  });
});
