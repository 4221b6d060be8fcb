import * as pulumi from "@pulumi/pulumi";
import { TenancyClient } from "./client";
import { credentialsPath, onlyStoredEndpoint, storedSession } from "./cli/credentials-file";

/**
 * Where the provider finds the backend and its credential: stack config `tenancy:endpoint` and
 * `tenancy:token` (the token set with `--secret`), else `TENANCY_ENDPOINT` and `TENANCY_TOKEN`
 * read from the environment at call time, else the session `tenancy login` stored for the
 * endpoint. Nothing here is captured by the serialized provider.
 */

export interface StackSettings {
  endpoint?: string;
  token?: string;
}

/** Reads the stack config the engine hands the provider in `configure`. */
export function stackSettings(config?: pulumi.dynamic.Config): StackSettings {
  return Object.freeze({ endpoint: config?.get("tenancy:endpoint") || undefined, token: config?.get("tenancy:token") || undefined });
}

/** The backend and the token to call it with, and where that token came from (said to the user). */
export interface Credential {
  endpoint: string;
  token: string;
  source: string;
}

/** Resolves the credential; fails with a sentence naming every way to configure it. */
export function credentialFor(settings: StackSettings, env: NodeJS.ProcessEnv = process.env): Credential {
  const endpoint = settings.endpoint ?? (env.TENANCY_ENDPOINT || undefined) ?? onlyStoredEndpoint(env);
  if (!endpoint) {
    throw new Error("no tenancy endpoint: set it with `pulumi config set tenancy:endpoint https://…` or the TENANCY_ENDPOINT environment variable, or sign in with `tenancy login --endpoint https://…`");
  }
  try {
    new URL(endpoint);
  } catch {
    throw new Error(`tenancy endpoint "${endpoint}" is not a URL such as http://127.0.0.1:7410`);
  }
  if (settings.token) return { endpoint, token: settings.token, source: "stack config tenancy:token" };
  if (env.TENANCY_TOKEN) return { endpoint, token: env.TENANCY_TOKEN, source: "the TENANCY_TOKEN environment variable" };
  const session = storedSession(endpoint, env);
  if (!session) {
    throw new Error(`no tenancy token: set it with \`pulumi config set --secret tenancy:token …\` or the TENANCY_TOKEN environment variable, or sign in with \`tenancy login --endpoint ${endpoint}\``);
  }
  if (session.expiresAt <= new Date().toISOString()) throw new Error(`the session of ${session.email} at ${endpoint} expired at ${session.expiresAt}; sign in again with \`tenancy login --endpoint ${endpoint}\``);
  return { endpoint, token: session.token, source: `the session of ${session.email} from tenancy login (${credentialsPath(env)})` };
}

/** A client for the configured backend; fails with a sentence naming the ways to configure it. */
export function clientFor(settings: StackSettings, env: NodeJS.ProcessEnv = process.env): TenancyClient {
  const { endpoint, token } = credentialFor(settings, env);
  const key = `${endpoint}\n${token}`;
  let client = clients.get(key);
  if (!client) clients.set(key, (client = new TenancyClient({ endpoint, token })));
  return client;
}

// One client per backend and token in a provider host, shared by every resource kind: it checks
// once that the endpoint is a tenancy API and remembers which organizations the caller sees.
const clients = new Map<string, TenancyClient>();

/**
 * Refuses a `tenancy:token` stored in plain text in the stack config, where it would also sit in
 * the state as an input of the default provider. Runs in the program, where the engine tells
 * which config keys are secret.
 */
export function assertTokenIsSecret(): void {
  const value = pulumi.runtime.getConfig("tenancy:token");
  const isSecret = (pulumi.runtime as unknown as { isConfigSecret?: (k: string) => boolean }).isConfigSecret;
  if (value !== undefined && isSecret && !isSecret("tenancy:token")) {
    throw new Error(
      "tenancy:token is stored in plain text in the stack config; store it encrypted instead: `pulumi config set --secret tenancy:token <token>`",
    );
  }
}
