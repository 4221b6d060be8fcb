import { Finding, RULES, Severity } from "../guardrails/rules";
import { Changes, FieldChange } from "./changes";

/**
 * The guardrails about what a preview changes rather than about the layout it leads to (so the
 * policy pack, which sees only the layout, cannot run them): a new admin of an existing
 * organization, a key with every permission added to an existing production project, a setting
 * or policy made less strict. What is founded in the same preview (a new organization's admins,
 * a new project's keys) is judged by the layout rules alone. Their levels come
 * from the one rule table, `RULES`.
 */

type ChangeRule = "org-admin-granted" | "production-key-all-permissions" | "security-policy-loosened";

const finding = (rule: ChangeRule, f: Omit<Finding, "rule" | "severity">): Finding => ({ rule, severity: RULES[rule].severity as Severity, ...f });

/** How each organization field loosens: a higher number, turning on, turning off, or a longer (or emptied) list. */
const LOOSENS: Record<string, "higher" | "on" | "off" | "wider"> = {
  "settings.allowedEmailDomains": "wider",
  "settings.apiKeyMaxLifetimeDays": "higher",
  "settings.membersCanCreateProjects": "on",
  "securityPolicy.sso.enforced": "off",
  "securityPolicy.session.requireMfa": "off",
  "securityPolicy.session.maxTokenLifetimeDays": "higher",
  "securityPolicy.session.idleTimeoutMinutes": "higher",
  "securityPolicy.ipAllowlist": "wider",
  // Off, access granted outside the stack stays (provider/access/).
  exclusiveAccess: "off",
};

const parse = (v: string): unknown => {
  try {
    return JSON.parse(v);
  } catch {
    return undefined;
  }
};
const NO_LIMIT = ["–", "(removed)", "(not set)"];

function loosens(f: FieldChange): boolean {
  const how = LOOSENS[f.field];
  const [before, after] = [parse(f.before), parse(f.after)];
  switch (how) {
    case "higher":
      return NO_LIMIT.includes(f.after) ? !NO_LIMIT.includes(f.before) : typeof before === "number" && typeof after === "number" && after > before;
    case "on":
      return after === true && before !== true;
    case "off":
      return before === true && after !== true;
    case "wider": {
      // An empty list means "unrestricted", the widest of all.
      const [b, a] = [Array.isArray(before) ? before : [], Array.isArray(after) ? after : []];
      return (b.length > 0 && a.length === 0) || (b.length > 0 && a.some((x) => !b.includes(x)));
    }
    default:
      return false;
  }
}

export function changeFindings(c: Changes): Finding[] {
  const out: Finding[] = [];
  // An organization created in this preview needs its founding admins (its creator is one anyway):
  // too-many-admins judges how many; this rule reports admins added to an existing organization.
  const founded = new Set(c.organizations.filter((o) => o.change === "created").map((o) => `organization ${o.name}`));
  for (const a of c.access.filter((a) => a.scope === "organization" && a.role === "admin" && a.change !== "loses" && !founded.has(a.where))) {
    const who = a.who;
    out.push(
      finding("org-admin-granted", {
        subject: who,
        message: `${who} becomes an admin of ${a.where}${a.kind === "serviceAccount" ? " (a service account: whoever holds its token is an admin)" : ""}`,
        fix: "check that this admin is needed; give the member or billing role and project roles otherwise",
      }),
    );
  }
  // Likewise a new project's first keys are judged by the layout rules; this one reports a key
  // with every permission added to (or rotated in) a production project that already exists.
  const newProjects = new Set(c.projects.filter((p) => p.change === "created").map((p) => p.name));
  for (const k of c.keys.filter((k) => k.environment === "production" && k.permissions === "all" && (k.change === "created" || k.change === "rotated") && !newProjects.has(k.project))) {
    out.push(
      finding("production-key-all-permissions", {
        subject: `key ${k.project}/${k.name}`,
        message: `production key ${k.name} of project ${k.project} is ${k.change} with permissions: all`,
        fix: "give the key permissions: read_only unless its workload writes",
      }),
    );
  }
  for (const o of c.organizations.filter((o) => o.change === "updated")) {
    for (const f of o.fields.filter(loosens)) {
      out.push(
        finding("security-policy-loosened", {
          subject: `organization ${o.name}`,
          message: `${f.field} of organization ${o.name} loosens: ${f.before} → ${f.after}`,
          fix: "check that the organization's policy is meant to become less strict",
        }),
      );
    }
  }
  return out;
}
