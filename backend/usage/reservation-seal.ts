import { createHmac, timingSafeEqual } from "node:crypto";
import type { Executor } from "../store/db";
import { instanceSecret } from "../store/gateway-credentials.repository";
import { isReservationId } from "./reservations";

/**
 * The reservation id `authorize` answers carries what the request is billed to: its budget hold
 * (`res_…`), the API key it was admitted for, and a MAC under the store's `reservation_mac`
 * (migration 007). So an event naming it is billed to that key and project even after the key
 * was revoked or the project archived, or after the hold lapsed, with no write per authorize to
 * remember it; and an id `authorize` did not answer is refused, not billed to a key it names.
 */
export interface SealedReservation {
  /** The budget hold and token reservation (reservations.ts). */
  holdId: string;
  apiKeyId: string;
}

const MAC_BYTES = 16;

export class ReservationSeal {
  private key?: Promise<Buffer>;

  constructor(private readonly db: Executor) {}

  // Read once, on first use: the runtime can be built before the store is migrated (tests).
  private secret(): Promise<Buffer> {
    this.key ??= instanceSecret(this.db, "reservation_mac").then((hex) => {
      if (!hex) throw new Error("instance_secrets has no reservation_mac: the store is not migrated to 007-gateway-credentials");
      return Buffer.from(hex, "hex");
    });
    this.key.catch(() => (this.key = undefined));
    return this.key;
  }

  private async mac(holdId: string, apiKeyId: string): Promise<Buffer> {
    return createHmac("sha256", await this.secret()).update(`${holdId}.${apiKeyId}`).digest().subarray(0, MAC_BYTES);
  }

  /** `res_<hold>.<apiKeyId>.<mac>`: what authorize answers as `reservationId`. */
  async seal(r: SealedReservation): Promise<string> {
    return `${r.holdId}.${r.apiKeyId}.${(await this.mac(r.holdId, r.apiKeyId)).toString("base64url")}`;
  }

  /** The hold and key of a reservation id this store's authorize answered; undefined for any other string. */
  async open(reservationId: string): Promise<SealedReservation | undefined> {
    const [holdId, apiKeyId, mac, extra] = reservationId.split(".");
    if (extra !== undefined || !holdId || !apiKeyId || !mac || !isReservationId(holdId)) return undefined;
    const given = Buffer.from(mac, "base64url");
    const expected = await this.mac(holdId, apiKeyId);
    return given.length === expected.length && timingSafeEqual(given, expected) ? { holdId, apiKeyId } : undefined;
  }
}
