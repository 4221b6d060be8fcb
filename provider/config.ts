import * as pulumi from "@pulumi/pulumi";
import { TenancyClient } from "./client";

/**
 * Where the provider finds the backend and its credential: stack config `tenancy:endpoint` and
 * `tenancy:token` (the token set with `--secret`), else `TENANCY_ENDPOINT` and `TENANCY_TOKEN`
 * read from the environment at call time. Nothing here is captured by the serialized provider.
 */

export interface StackSettings {
  endpoint?: string;
  token?: string;
}

/** Reads the stack config the engine hands the provider in `configure`. */
export function stackSettings(config?: pulumi.dynamic.Config): StackSettings {
  return Object.freeze({ endpoint: config?.get("tenancy:endpoint") || undefined, token: config?.get("tenancy:token") || undefined });
}

/** A client for the configured backend; fails with a sentence naming both ways to configure it. */
export function clientFor(settings: StackSettings, env: NodeJS.ProcessEnv = process.env): TenancyClient {
  const endpoint = settings.endpoint ?? (env.TENANCY_ENDPOINT || undefined);
  const token = settings.token ?? (env.TENANCY_TOKEN || undefined);
  if (!endpoint) {
    throw new Error("no tenancy endpoint: set it with `pulumi config set tenancy:endpoint https://…` or the TENANCY_ENDPOINT environment variable");
  }
  if (!token) {
    throw new Error("no tenancy token: set it with `pulumi config set --secret tenancy:token …` or the TENANCY_TOKEN environment variable");
  }
  try {
    new URL(endpoint);
  } catch {
    throw new Error(`tenancy endpoint "${endpoint}" is not a URL such as http://127.0.0.1:7410`);
  }
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
