/**
 * What each example leaves in the backend after `up`, as `backendLayout` reads it: the READMEs'
 * promises (an owner membership per project, a key owner who is a member, a key per environment,
 * production's checklist and limits), checked whole. root@tenancy.test is the deploying user.
 * Key owners have accounts (KEY_OWNERS, made before the deploy); the other people the examples
 * add have none, so they are invited (`… (invited)`).
 */

/** The people who own keys in each example: they need accounts, made on the host before it deploys. */
export const KEY_OWNERS: Record<string, string[]> = {
  "small-team": ["lea@smallteam.test"],
  "product-teams": ["sara@products.test", "dan@products.test"],
  agency: ["mia@agency.test", "raj@agency.test"],
  "security-sensitive": ["sam@secure.test"],
  environments: ["kai@envs.test"],
};

const project = (environment: string, owner: string, keyOwner: string, escalationContact: string, spend: number, limits: object, members: string[], keys: string[]) => ({
  environment,
  owner,
  keyOwner,
  escalationContact,
  expectedMonthlySpendUsd: spend,
  limits,
  members,
  keys,
});

const lea = "lea@smallteam.test";
export const smallTeam = {
  "Small Team": {
    members: [`${lea} member`, "root@tenancy.test admin"],
    projects: {
      "assistant-dev": project("development", lea, lea, lea, 50, { requestsPerMinute: 60, monthlyBudgetUsd: 100 }, [`${lea} owner`], [`backend ${lea} all 30d`]),
      "assistant-staging": project("staging", lea, lea, lea, 150, { requestsPerMinute: 300, monthlyBudgetUsd: 250 }, [`${lea} owner`], [`backend ${lea} all 30d`]),
      "assistant-prod": project(
        "production",
        lea,
        lea,
        "oncall@smallteam.test",
        2000,
        { requestsPerMinute: 1200, tokensPerMinute: 400000, monthlyBudgetUsd: 3000 },
        [`${lea} owner`],
        [`backend ${lea} all 90d`],
      ),
    },
  },
};

const [sara, dan] = ["sara@products.test", "dan@products.test"];
export const productTeams = {
  "Product Company": {
    members: [`${dan} member`, "root@tenancy.test admin", `${sara} member`],
    projects: {
      "support-prod": project("production", sara, sara, "oncall-support@products.test", 4000, { requestsPerMinute: 1000, monthlyBudgetUsd: 6000 }, [`${sara} owner`], [`support ${sara} all 90d`]),
      "documents-prod": project("production", dan, dan, "oncall-documents@products.test", 1500, { requestsPerMinute: 1000, monthlyBudgetUsd: 2250 }, [`${dan} owner`], [`documents ${dan} all 90d`]),
    },
  },
};

const client = (lead: string, slug: string, spend: number) => ({
  members: [`${lead} member`, "root@tenancy.test admin"],
  projects: {
    [`${slug}-prod`]: project("production", lead, lead, "oncall@agency.test", spend, { requestsPerMinute: 1000, monthlyBudgetUsd: spend * 1.5 }, [`${lead} owner`], [`${slug} ${lead} all 90d`]),
  },
});
export const agency = {
  "Northwind (client)": client("mia@agency.test", "northwind", 800),
  "Globex (client)": client("raj@agency.test", "globex", 2500),
};

const [rita, omar, sam] = ["rita@secure.test", "omar@secure.test", "sam@secure.test"];
export const securitySensitive = {
  "Secure Insurance": {
    members: [`${omar} member (invited)`, `${rita} member (invited)`, "root@tenancy.test admin", `${sam} member`],
    projects: {
      "claims-prod": project(
        "production",
        rita,
        sam,
        "secops@secure.test",
        1200,
        { requestsPerMinute: 120, tokensPerMinute: 60000, monthlyBudgetUsd: 1500 },
        [`${omar} owner (invited)`, `${rita} owner (invited)`, `${sam} member`],
        [`reader ${sam} read_only 14d`],
      ),
    },
  },
};

const [olivia, kai] = ["olivia@envs.test", "kai@envs.test"];
const team = (environment: string, spend: number, limits: object, keyDays: number) =>
  project(environment, olivia, kai, "oncall@envs.test", spend, limits, [`${kai} member`, `${olivia} owner (invited)`], [`assistant ${kai} all ${keyDays}d`]);
/** The environments example after org, dev, staging and prod are up. */
export const environments = {
  "Acme Assistants": {
    members: [`${kai} member`, `${olivia} member (invited)`, "root@tenancy.test admin", "service account ci-deployer admin"],
    projects: {
      "assistant-dev": team("development", 50, { requestsPerMinute: 60, monthlyBudgetUsd: 100 }, 30),
      "assistant-staging": team("staging", 300, { requestsPerMinute: 300, monthlyBudgetUsd: 450 }, 30),
      "assistant-prod": team("production", 4000, { requestsPerMinute: 2000, tokensPerMinute: 1000000, monthlyBudgetUsd: 6000 }, 90),
    },
  },
};
