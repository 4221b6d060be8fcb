import * as pulumi from "@pulumi/pulumi";
import { deployEnvironment } from "./environment";
import { deployOrganization } from "./organization";

// One Pulumi project, two kinds of stack: `org` holds what the organization owns (members,
// policy, CI identities); `dev`, `staging` and `prod` each hold one environment of the team's
// workload and read the organization from the `org` stack through a StackReference. Each stack's
// settings are in its Pulumi.<stack>.yaml. Deploy `org` first and destroy it last.
export = pulumi.getStack() === "org" ? deployOrganization() : deployEnvironment();
