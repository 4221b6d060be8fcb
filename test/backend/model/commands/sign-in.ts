import fc from "fast-check";
import { ISSUERS, Model, pick } from "../model";
import { Real } from "../real";
import { small, step } from "./command";
import { addActor, MAX_ACTORS } from "./service-accounts";

const room = (m: Readonly<Model>) => m.actors.length < MAX_ACTORS;

/** People sign in: a new session (token) at one of two identity providers, with or without MFA. */
export const signInCommands = [
  step("signIn", fc.record({ u: small, at: fc.constantFrom(0, 1), mfa: fc.boolean() }), room, async (m, r, { u, at, mfa }, say) => {
    const people = m.users.filter((x) => x.kind === "person");
    const user = pick(people, u);
    const issuer = ISSUERS[at];
    const minted = await r.host.mintSignedIn(user.id, issuer, mfa);
    const actor = addActor(m, user, minted.token, minted.tokenId, 0, { issuer, mfa });
    say(`${user.email.split("@")[0]} signs in at ${issuer} ${mfa ? "with" : "without"} MFA: ${actor.label}`);
  }),
];
