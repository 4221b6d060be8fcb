import * as pulumi from "@pulumi/pulumi";
import { cpSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { Layout } from "../provider/layout";
import { ROOT, startBackend } from "../test/support/backend";
import { TestStack, testStack, workDir } from "../test/provider/support";
import { Comparison, report } from "./measure";
import { apiKeySpec } from "../provider/api-key";
import { membershipSpec } from "../provider/membership";
import { organizationSpec } from "../provider/organization";
import { projectSpec } from "../provider/project";

/**
 * The provider at 1,000 resources against the engine's own floor: the same 1,001-resource graph
 * (1 organization, 100 members, 50 projects, 600 project memberships, 250 keys) through tenancy
 * and through a no-op dynamic provider, same engine, same run: `up` from empty, a no-change
 * `preview`, and the `stack export` bytes per resource. Takes minutes; `BENCH_ONLY=scale npm run bench`
 * runs it alone, `BENCH_SCALE=0` leaves it out of `npm run bench`.
 */

const SHAPE = { members: 100, projects: 50, membersPerProject: 12, keysPerProject: 5 };

export function scaleLayout(): Layout {
  const email = (i: number) => `user-${i}@scale.test`;
  return {
    organization: { name: "Scale", billing: { plan: "free", financeContacts: [] }, settings: { allowedEmailDomains: [], membersCanCreateProjects: false }, securityPolicy: { sso: { enforced: false }, session: { requireMfa: false }, ipAllowlist: [] } },
    members: Array.from({ length: SHAPE.members }, (_, i) => ({ email: email(i), role: "member" as const })),
    serviceAccounts: [],
    projects: Array.from({ length: SHAPE.projects }, (_, p) => {
      const people = Array.from({ length: SHAPE.membersPerProject }, (_, m) => email((p * 7 + m) % SHAPE.members));
      return {
        name: `project-${p}`,
        environment: "development" as const,
        labels: {},
        limits: {},
        members: people.map((e, m) => ({ email: e, role: m === 0 ? ("owner" as const) : ("member" as const) })),
        keys: Array.from({ length: SHAPE.keysPerProject }, (_, k) => ({ name: `key-${k}`, owner: people[0], permissions: "all" as const })),
      };
    }),
  };
}

// The floor: a dynamic provider that does nothing, with the same resources, names and edges.
const noop: pulumi.dynamic.ResourceProvider = {
  create: async (inputs) => ({ id: `${inputs.kind}-${Math.random().toString(36).slice(2)}`, outs: inputs }),
};

class Noop extends pulumi.dynamic.Resource {
  constructor(name: string, props: Record<string, pulumi.Input<unknown>>, opts?: pulumi.CustomResourceOptions) {
    super(noop, name, props, opts);
  }
}

/**
 * `shaped`: each no-op resource also declares the properties a tenancy resource of its kind does
 * (its outputs, undefined until created, and `externalId`). The SDK's registration work grows with
 * the number of properties, so this floor tells the engine's and SDK's cost for tenancy's shape
 * apart from what tenancy's provider adds.
 */
function noopProgram(layout: Layout, shaped = false) {
  const as = (spec: { outputKeys: readonly string[] }, props: Record<string, pulumi.Input<unknown>>) =>
    shaped ? { ...Object.fromEntries(spec.outputKeys.map((k) => [k, undefined])), externalId: "shape", ...props } : props;
  return async () => {
    // Each with the very inputs the tenancy resource gets, so that state sizes compare what the
    // providers add (their serialized code, their outputs), not what the program declares.
    const org = new Noop(layout.organization.name, as(organizationSpec, { kind: "org", ...layout.organization }));
    const members = new Map(layout.members.map((m) => [m.email, new Noop(`member:${m.email}`, as(membershipSpec, { kind: "member", organizationId: org.id, ...m }))]));
    for (const { members: people, keys, ...p } of layout.projects) {
      const project = new Noop(p.name, as(projectSpec, { kind: "project", organizationId: org.id, ...p }));
      const inProject = new Map(
        people.map((m) => [
          m.email,
          new Noop(`${p.name}:member:${m.email}`, as(membershipSpec, { kind: "pm", organizationId: org.id, projectId: project.id, ...m }), { dependsOn: members.get(m.email) }),
        ]),
      );
      for (const k of keys) new Noop(`${p.name}:key:${k.name}`, as(apiKeySpec, { kind: "key", projectId: project.id, ...k }), { dependsOn: inProject.get(k.owner) });
    }
  };
}

/**
 * The layout module of the package as users have it: the compiled dist/ and package.json copied
 * into node_modules/pulumi-tenancy of the tenancy stack's folder, where the dynamic-provider host
 * runs. State then holds what an installed package stores (from this checkout the provider is
 * stored by value). The folder is inside the checkout, so the copy's dependencies are the
 * checkout's own, the very SDK the bench drives.
 */
function installedLayoutModule(dir: string): typeof import("../provider/layout") {
  const pkg = join(dir, "node_modules", "pulumi-tenancy");
  mkdirSync(pkg, { recursive: true });
  cpSync(join(ROOT, "package.json"), join(pkg, "package.json"));
  cpSync(join(ROOT, "dist"), join(pkg, "dist"), { recursive: true });
  return require(join(pkg, "dist", "provider", "layout"));
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return (performance.now() - start) / 1000;
}

async function exportBytesPerResource(t: TestStack): Promise<number> {
  const deployment = (await t.stack.exportStack()).deployment;
  const resources = deployment.resources.filter((r: { type: string }) => r.type.startsWith("pulumi-nodejs:dynamic"));
  return JSON.stringify(deployment).length / resources.length;
}

/**
 * Where tenancy's `up` spends its time on the server: requests per resource and the seconds the
 * backend spent answering them, by route, from its own Prometheus metrics.
 */
async function serverProfile(url: string, upSeconds: number): Promise<string> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const routes = new Map<string, { count: number; seconds: number }>();
  for (const m of text.matchAll(/^tenancy_http_request_duration_seconds_(count|sum)\{method="(\w+)",route="([^"]+)"\} ([\d.e+-]+)$/gm)) {
    const key = `${m[2]} ${m[3]}`;
    const entry = routes.get(key) ?? { count: 0, seconds: 0 };
    if (m[1] === "count") entry.count += Number(m[4]);
    else entry.seconds += Number(m[4]);
    routes.set(key, entry);
  }
  const total = [...routes.values()].reduce((a, r) => ({ count: a.count + r.count, seconds: a.seconds + r.seconds }), { count: 0, seconds: 0 });
  const top = [...routes].sort((a, b) => b[1].count - a[1].count).slice(0, 6).map(([k, r]) => `${k} ×${r.count} (${r.seconds.toFixed(1)} s)`);
  return `scale: tenancy up made ${total.count} requests (${(total.count / 1001).toFixed(2)} per resource), ${total.seconds.toFixed(1)} s of server time of the ${upSeconds.toFixed(1)} s up; ${top.join(", ")}`;
}

export async function scaleBenchmarks(): Promise<Comparison[]> {
  const backend = await startBackend({ env: { TENANCY_RATE_LIMIT_PER_MINUTE: "0" }, logToFile: true });
  const layout = scaleLayout();
  const floor = await testStack({ endpoint: backend.url, token: backend.token, program: noopProgram(layout), projectName: "scale-floor" });
  const shapedFloor = await testStack({ endpoint: backend.url, token: backend.token, program: noopProgram(layout, true), projectName: "scale-floor-shaped" });
  const dir = workDir();
  const { deployLayout } = installedLayoutModule(dir);
  const subject = await testStack({ endpoint: backend.url, token: backend.token, program: async () => void deployLayout(layout), projectName: "scale-tenancy" }, dir);
  try {
    console.error("scale: up from empty (no-op floor, no-op floor with tenancy's properties, then tenancy)");
    const upFloor = await timed(() => floor.stack.up());
    const upShaped = await timed(() => shapedFloor.stack.up());
    const upSubject = await timed(() => subject.stack.up());
    console.error(await serverProfile(backend.url, upSubject));
    console.error("scale: no-change preview");
    const previewFloor = await timed(() => floor.stack.preview());
    const previewShaped = await timed(() => shapedFloor.stack.preview());
    const previewSubject = await timed(() => subject.stack.preview());
    const [bytesFloor, bytesSubject] = [await exportBytesPerResource(floor), await exportBytesPerResource(subject)];
    const row = (name: string, unit: string, b: number, s: number, baseline = "no-op dynamic provider"): Comparison => ({
      name: `scale: ${name}`,
      baseline,
      subject: "tenancy",
      baselineValue: b,
      subjectValue: s,
      ratio: s / b,
      unit,
    });
    const shaped = "no-op dynamic provider declaring tenancy's properties";
    return [
      row("up from empty, 1,001 resources", "s", upFloor, upSubject),
      row("no-change preview", "s", previewFloor, previewSubject),
      row("stack export per resource", "bytes", bytesFloor, bytesSubject),
      row("up from empty, same properties", "s", upShaped, upSubject, shaped),
      row("no-change preview, same properties", "s", previewShaped, previewSubject, shaped),
    ];
  } finally {
    await shapedFloor.dispose();
    await floor.dispose();
    await subject.dispose();
    await backend.dispose();
  }
}

if (require.main === module) {
  scaleBenchmarks().then(report, (err) => {
    console.error(err);
    process.exit(1);
  });
}
