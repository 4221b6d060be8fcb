import { EnforcementLevel, PolicyPack, PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { buildModel, evaluate, GuardrailOptions, ResourceInput, RuleName, RULES } from "../guardrails";

/**
 * The guardrails as a CrossGuard policy pack: `pulumi preview --policy-pack
 * node_modules/pulumi-tenancy/provider/policy-pack`. One stack policy per rule, mandatory or
 * advisory as the rule's severity says (overridable per policy with --policy-pack-config), each
 * violation naming the object and what to change. The same rules as `tenancy review`.
 */

function toInput(r: PolicyResource): ResourceInput {
  const propertyDependencies = Object.fromEntries(Object.entries(r.propertyDependencies ?? {}).map(([k, deps]) => [k, deps.map((d) => d.urn)]));
  return { urn: r.urn, type: r.type, props: r.props, propertyDependencies };
}

function policy(rule: RuleName): StackValidationPolicy {
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
    validateStack: (args, reportViolation) => {
      const options: GuardrailOptions = admins ? args.getConfig<GuardrailOptions>() : {};
      const model = buildModel(args.resources.map(toInput));
      for (const f of evaluate(model, options, [rule])) {
        const urn = [...model.projects, ...model.keys, ...model.organizations].find((o) => f.subject.endsWith(o.name))?.urn;
        reportViolation(`${f.message}. Fix: ${f.fix}.`, urn);
      }
    },
  };
}

export const guardrails = new PolicyPack("tenancy-guardrails", {
  policies: (Object.keys(RULES) as RuleName[]).map(policy),
});
