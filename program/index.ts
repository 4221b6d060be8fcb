import * as pulumi from "@pulumi/pulumi";
import { resolve } from "node:path";
import { deployLayout, LayoutError, loadLayoutFile } from "../provider/layout";

/**
 * The root program (`Pulumi.yaml` at the repository root): deploys `tenancy.yaml`, or the file
 * named by the stack config `tenancy:layout`, and exports the layout as a table.
 */
function load() {
  const file = resolve(new pulumi.Config("tenancy").get("layout") ?? "tenancy.yaml");
  try {
    return loadLayoutFile(file);
  } catch (err) {
    // A RunError prints its message alone: the lines of the file to fix, without a stack trace.
    if (err instanceof LayoutError) throw new pulumi.RunError(`${file} is not a valid tenancy layout:\n${err.message}`);
    throw err;
  }
}

const deployed = deployLayout(load());

/** project, environment, owner, key owner and keys (by redacted value) of every project. */
export const layout = deployed.table;
/** The key secrets by `PROJECT/KEY`: `pulumi stack output apiKeys --show-secrets`. */
export const apiKeys = deployed.secrets;
