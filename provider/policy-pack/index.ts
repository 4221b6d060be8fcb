import { EnforcementLevel, PolicyPack, PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { evaluate, GuardrailOptions, LAYOUT_RULES, LayoutRuleName, ResourceInput, RULES } from "../guardrails";
import { withIds } from "./ids";
import { layoutOf } from "./outside";

/**
 * The guardrails as a CrossGuard policy pack: `pulumi preview --policy-pack
 * node_modules/pulumi-tenancy/provider/policy-pack`. One stack policy per rule, mandatory or
 * advisory as the rule's severity says (overridable per policy with --policy-pack-config), each
 * violation naming the object and what to change. The same rules as `tenancy review`, over the
 * same layout: organizations of other stacks are read through the API (outside.ts).
 */

const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/**
 * A plain copy of a resource's properties. During a preview @pulumi/policy throws when a value
 * not known yet is read (an id of a resource still to be created); such a value becomes the
 * marker a preview uses, and the reference is resolved from the property's dependencies instead.
 */
function plain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v, i) => read(() => value[i]));
  if (value && typeof value === "object") return Object.fromEntries(Object.keys(value).map((k) => [k, read(() => (value as Record<string, unknown>)[k])]));
  return value;
}
function read(get: () => unknown): unknown {
  try {
    return plain(get());
  } catch {
    return UNKNOWN;
  }
}

function toInput(r: PolicyResource): ResourceInput {
  const propertyDependencies = Object.fromEntries(Object.entries(r.propertyDependencies ?? {}).map(([k, deps]) => [k, deps.map((d) => d.urn)]));
  // The engine does not show a pack a dynamic resource's `__provider`: only whether it has a provider.
  return { urn: r.urn, type: r.type, props: plain(r.props) as Record<string, unknown>, propertyDependencies, custom: r.provider !== undefined };
}

function policy(rule: LayoutRuleName): StackValidationPolicy {
  const { severity, description } = RULES[rule];
  const admins = rule === "too-many-admins";
  return {
    name: rule,
    description,
    enforcementLevel: (severity === "mandatory" ? "mandatory" : "advisory") as EnforcementLevel,
    ...(admins
      ? {
          configSchema: {
            properties: {
              maxAdmins: { type: "integer", minimum: 1, default: 3 },
              maxAdminShare: { type: "number", minimum: 0, maximum: 1, default: 0.5 },
            },
          },
        }
      : {}),
    validateStack: async (args, reportViolation) => {
      const options: GuardrailOptions = admins ? args.getConfig<GuardrailOptions>() : {};
      const model = await layoutOf(withIds(args.resources.map(toInput)));
      for (const f of evaluate(model, options, [rule])) {
        reportViolation(`${f.message}. Fix: ${f.fix}.`, f.urn);
      }
    },
  };
}

export const guardrails = new PolicyPack("tenancy-guardrails", {
  policies: LAYOUT_RULES.map(policy),
});
