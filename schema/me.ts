import { z } from "zod";
import { signIn } from "./auth";
import { email, idOf, name } from "./common";
import { orgRole } from "./organization";
import { projectRole } from "./project";

/** `GET /v1/me`: who the caller is and where they hold roles. */
export const me = z.strictObject({
  user: z.strictObject({ id: idOf("user"), email, kind: z.enum(["person", "service_account"]), name: name.optional() }),
  token: z.strictObject({
    id: idOf("token"),
    name,
    /** The sign-in the token comes from (absent: minted on the server host, or a service account's). */
    signIn: signIn.optional(),
    /** A person's token from no sign-in, minted on the server host: organizations' sso.enforced and requireMfa do not refuse it. */
    breakGlass: z.boolean(),
  }),
  organizations: z.array(z.strictObject({ id: idOf("organization"), name, role: orgRole })),
  projects: z.array(z.strictObject({ id: idOf("project"), organizationId: idOf("organization"), name, status: z.enum(["active", "archived"]), role: projectRole })),
});
export type Me = z.infer<typeof me>;
