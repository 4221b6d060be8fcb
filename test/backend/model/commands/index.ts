import { editCommands } from "./edits";
import { invitationCommands } from "./invitations";
import { keyCommands } from "./keys";
import { memberCommands } from "./members";
import { observeCommands } from "./observe";
import { organizationCommands, policyCommands } from "./organizations";
import { projectCommands } from "./projects";
import { serviceAccountCommands } from "./service-accounts";
import { signInCommands } from "./sign-in";

/**
 * Every command kind. `fc.commands` picks kinds uniformly, so the reads are listed twice (about a
 * third of the steps look at the system, so a change that leaks is seen soon after it happens),
 * and so are the two policy changes, which fence actors out of organizations, and the member
 * and service-account commands, where the takeover of issue 7 lives, and the invitations, whose
 * five kinds need a few steps in a row (sent, then accepted, revoked or expired) to matter.
 * Sign-ins (issue 22) add sessions that the SSO and MFA policies then fence.
 */
export const allCommands = [
  ...observeCommands,
  ...observeCommands,
  ...memberCommands,
  ...memberCommands,
  ...serviceAccountCommands,
  ...serviceAccountCommands,
  ...projectCommands,
  ...keyCommands,
  ...editCommands,
  ...organizationCommands,
  ...policyCommands,
  ...policyCommands,
  ...invitationCommands,
  ...invitationCommands,
  ...signInCommands,
  ...signInCommands,
];
