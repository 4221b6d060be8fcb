import { z } from "zod";
import { description, email, externalId, idOf, labels, meta, name } from "./common";
import { modelName } from "./usage";

export const PROJECT_ROLES = ["owner", "member", "viewer"] as const;
export const projectRole = z.enum(PROJECT_ROLES);
export type ProjectRole = z.infer<typeof projectRole>;

export const ENVIRONMENTS = ["development", "staging", "production", "other"] as const;
export const WORKLOADS = ["chat", "extraction", "media_generation", "batch", "other"] as const;

export const limits = z.strictObject({
  requestsPerMinute: z.int().min(1).max(10_000_000).optional(),
  tokensPerMinute: z.int().min(1).max(1_000_000_000).optional(),
  monthlyBudgetUsd: z.number().min(0).max(1e9).optional(),
  /** Models the project's keys may call (`POST /v1/authorize` refuses others); absent = any priced model. */
  allowedModels: z.array(modelName).min(1, "must name at least one model (omit it to allow any)").max(200).optional(),
});

/**
 * What a create or a patch may set, beyond the types: a budget is USD with at most 6 decimals,
 * since budgets are counted in whole micro-USD, and a value with more (5.1234567, or
 * 110.00000000000001 from floating-point arithmetic such as 100 * 1.1) has no exact amount to
 * enforce. Checked on input only: a project stored before this rule still reads (limits.ts
 * rounds such a budget down to the micro-USD).
 */
export function checkLimits(l: z.output<typeof limits>, ctx: z.RefinementCtx): void {
  const usd = l.monthlyBudgetUsd;
  if (usd === undefined || /^\d+(\.\d{1,6})?$/.test(String(usd))) return;
  const message = `must be USD with at most 6 decimal places, an exact number of micro-USD (what budgets count); ${usd} has more: round it, e.g. to ${Number(usd.toFixed(6))}`;
  ctx.addIssue({ code: "custom", path: ["limits", "monthlyBudgetUsd"], message });
}

/** The launch checklist: what a production project must document before it exists. */
export const LAUNCH_CHECKLIST = ["owner", "keyOwner", "escalationContact", "expectedMonthlySpendUsd"] as const;

export const projectFields = z.strictObject({
  name,
  environment: z.enum(ENVIRONMENTS),
  externalId: externalId.optional(),
  team: name.optional(),
  workload: z.enum(WORKLOADS).optional(),
  owner: email.optional(),
  keyOwner: email.optional(),
  escalationContact: email.optional(),
  expectedMonthlySpendUsd: z.number().min(0).max(1e9).optional(),
  description: description.optional(),
  labels: labels.default({}),
  limits: limits.default({}),
});

/** The optional project fields, stored together as one JSON column. */
export const projectExtras = projectFields.omit({ name: true, environment: true, externalId: true });
export type ProjectExtras = z.output<typeof projectExtras>;

/** What a client sends to create a project, and what a merged PATCH must still satisfy. */
export const projectInput = projectFields.superRefine((p, ctx) => {
  checkLimits(p.limits, ctx);
  if (p.environment !== "production") return;
  for (const field of LAUNCH_CHECKLIST) {
    if (p[field] === undefined) {
      ctx.addIssue({ code: "custom", path: [field], message: "is required for a production project (launch checklist)" });
    }
  }
});
export type ProjectInput = z.input<typeof projectInput>;

/** Fields a project owner may change; the rest of a project is the organization admin's. */
export const OWNER_EDITABLE = ["description", "labels", "team", "owner", "keyOwner", "escalationContact", "expectedMonthlySpendUsd"] as const;

export const project = z.strictObject({
  id: idOf("project"),
  organizationId: idOf("organization"),
  ...projectFields.shape,
  status: z.enum(["active", "archived"]),
  archivedAt: z.iso.datetime({ offset: true }).optional(),
  ...meta,
});
export type Project = z.infer<typeof project>;
