import { EventEmitter } from "node:events";
import { MAX_EVENTS, type AuthorizeInput, type AuthorizeResult, type UsageEvent } from "../schema/usage";
import { GatewayError, GatewayUnavailableError, type Problem } from "./errors";
import { DurableQueue } from "./queue";

export interface GatewayClientOptions {
  /** The backend's base URL, e.g. "https://tenancy.internal:8080". */
  endpoint: string;
  /** The gateway credential (tgw_…) minted with `npm run -s gateway-token -- NAME`. */
  credential: string;
  /** Where reported events wait for the backend's acknowledgement; a restart with the same folder resends them. */
  queueDir?: string;
  fetch?: typeof fetch;
  /** Events per `POST /v1/usage`, at most 1,000 (and at most the backend's events per second per gateway). */
  batchSize?: number;
  /** How long a report waits for more to batch with before it is sent. */
  flushDelayMs?: number;
  /** Backoff between tries after a network error or 5xx: doubling from `baseMs`, at most `maxMs`. */
  retry?: { baseMs?: number; maxMs?: number };
}

/** An event the backend refused as bad (400, 422): kept in `queueDir/rejected.ndjson`, never sent again. */
export interface Rejection {
  events: UsageEvent[];
  error: Problem;
}

export interface GatewayClientEvents {
  /** The backend acknowledged these events (`duplicates` of them it had counted before). */
  delivered: [{ events: number; accepted: number; duplicates: number }];
  rejected: [Rejection];
  /** A batch could not be delivered yet and will be tried again after `delayMs`. */
  retrying: [{ error: string; status?: number; delayMs: number }];
}

/** Tries of one authorize through network errors and 5xx: the caller's user is waiting. */
const AUTHORIZE_TRIES = 3;
const DEFAULT_QUEUE_DIR = ".tenancy-usage-queue";
/** A batch the backend refuses for what is in it (a bad field, a model without a price): sending it again never helps. */
const BAD_BATCH = [400, 422];

/**
 * The operator's gateway side of the data plane (DESIGN.md, "Usage, limits and cost
 * attribution"): `authorize` asks the backend for every request (decisions and limit counts are
 * never cached: they are the backend's), `report` keeps each usage event on disk until the
 * backend acknowledged it. Resending is harmless: the backend counts an `eventId` once.
 */
export class GatewayClient extends EventEmitter<GatewayClientEvents> {
  private readonly endpoint: string;
  private readonly credential: string;
  private readonly fetch: typeof fetch;
  private readonly batchSize: number;
  private readonly flushDelayMs: number;
  private readonly baseMs: number;
  private readonly maxMs: number;
  private readonly queue: Promise<DurableQueue>;
  private timer?: NodeJS.Timeout;
  private draining?: Promise<void>;
  /** Aborted by `close` at its deadline: ends waits and requests in flight. */
  private readonly stop = new AbortController();

  constructor(options: GatewayClientOptions) {
    super();
    if (!/^https?:\/\//.test(options.endpoint)) throw new Error(`endpoint must be an http(s) URL, got "${options.endpoint}"`);
    if (!options.credential.startsWith("tgw_")) throw new Error("credential must be a gateway credential (tgw_…, minted with npm run -s gateway-token -- NAME)");
    const batchSize = options.batchSize ?? MAX_EVENTS;
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_EVENTS) throw new Error(`batchSize must be a whole number from 1 to ${MAX_EVENTS}, got ${batchSize}`);
    this.endpoint = options.endpoint;
    this.credential = options.credential;
    this.fetch = options.fetch ?? fetch;
    this.batchSize = batchSize;
    this.flushDelayMs = options.flushDelayMs ?? 1000;
    this.baseMs = options.retry?.baseMs ?? 200;
    this.maxMs = options.retry?.maxMs ?? 30_000;
    this.queue = DurableQueue.open(options.queueDir ?? DEFAULT_QUEUE_DIR);
    // What a previous process reported and the backend never acknowledged goes out first.
    this.queue.then((q) => q.size > 0 && this.schedule(0), () => undefined);
  }

  /** The backend's decision for one request; 403 and 429 throw a GatewayError with `code`, `limit`, `retryAfterSeconds`. */
  async authorize(input: AuthorizeInput): Promise<AuthorizeResult> {
    for (let attempt = 1; ; attempt++) {
      let failure: unknown;
      try {
        const res = await this.post("/v1/authorize", input);
        if (res.status === 200) return (await res.json()) as AuthorizeResult;
        if (res.status < 500) throw await refusal(res);
        failure = await refusal(res);
      } catch (e) {
        if (e instanceof GatewayError) throw e;
        failure = e;
      }
      if (attempt >= AUTHORIZE_TRIES) throw new GatewayUnavailableError("authorize", failure);
      await this.sleep(this.backoff(attempt));
    }
  }

  /** Resolves once the event is on disk (fsync'd); the backend gets it in a later batch. */
  async report(event: UsageEvent): Promise<void> {
    if (this.stop.signal.aborted) throw new Error("report after close: this GatewayClient is closed; construct a new one on the same queueDir");
    const q = await this.queue;
    await q.append(event);
    this.schedule(q.size >= this.batchSize ? 0 : this.flushDelayMs);
  }

  /** Sends everything queued now; resolves when the queue is empty (delivered or rejected) or the client closed. */
  async flush(): Promise<void> {
    await this.queue;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.drain();
  }

  /** Flushes for at most `deadlineMs`, then stops; what was not acknowledged stays on disk for the next client. */
  async close(deadlineMs = 10_000): Promise<void> {
    const deadline = setTimeout(() => this.stop.abort(), deadlineMs);
    try {
      await this.flush();
    } finally {
      clearTimeout(deadline);
      this.stop.abort();
    }
  }

  private schedule(ms: number): void {
    if (this.timer && ms > 0) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      // In the background nobody awaits the drain: a failure (a body cut off, a full disk) is
      // told and tried again later, the events still on disk.
      this.drain().catch((e) => {
        this.emit("retrying", { error: String(e), delayMs: this.flushDelayMs });
        this.schedule(this.flushDelayMs);
      });
    }, ms);
    // A process may exit with events queued: they are on disk and the next client sends them.
    this.timer.unref();
  }

  private drain(): Promise<void> {
    this.draining ??= this.sendAll().finally(() => (this.draining = undefined));
    return this.draining;
  }

  private async sendAll(): Promise<void> {
    const q = await this.queue;
    let size = this.batchSize;
    let failures = 0;
    while (q.size > 0 && !this.stop.signal.aborted) {
      const batch = q.head(size);
      let res: Response;
      try {
        res = await this.post("/v1/usage", { events: batch });
      } catch (e) {
        if (this.stop.signal.aborted) return;
        await this.retryLater(String(e instanceof Error ? e.cause ?? e.message : e), undefined, this.backoff(++failures));
        continue;
      }
      if (res.status === 200) {
        const { accepted, duplicates } = (await res.json()) as { accepted: number; duplicates: number };
        await q.remove(batch.length);
        this.emit("delivered", { events: batch.length, accepted, duplicates });
        size = this.batchSize;
        failures = 0;
      } else if (BAD_BATCH.includes(res.status) && batch.length > 1) {
        // One bad event refuses its whole batch: halve until it is alone, so the good ones still go.
        await res.body?.cancel();
        size = Math.ceil(batch.length / 2);
      } else if (BAD_BATCH.includes(res.status)) {
        const error = (await refusal(res)).problem;
        await q.reject(batch, error);
        await q.remove(1);
        if (this.listenerCount("rejected") === 0) process.emitWarning(`tenancy gateway: usage event ${batch[0].eventId} rejected (${error.detail}); kept in ${q.dir}/rejected.ndjson`);
        this.emit("rejected", { events: batch, error });
        size = this.batchSize;
      } else {
        // 429: the backend says when; 5xx, 401, 403 …: back off and try again (a fixed credential delivers them).
        const error = await refusal(res);
        const delayMs = res.status === 429 && error.retryAfterSeconds !== undefined ? error.retryAfterSeconds * 1000 : this.backoff(++failures);
        await this.retryLater(error.message, res.status, delayMs);
      }
    }
  }

  private async retryLater(error: string, status: number | undefined, delayMs: number): Promise<void> {
    this.emit("retrying", { error, status, delayMs });
    await this.sleep(delayMs);
  }

  private backoff(attempt: number): number {
    return Math.min(this.maxMs, this.baseMs * 2 ** (attempt - 1));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((done) => {
      const signal = this.stop.signal;
      const wake = () => {
        clearTimeout(timer);
        done();
      };
      const timer = setTimeout(() => {
        signal.removeEventListener("abort", wake);
        done();
      }, ms);
      signal.addEventListener("abort", wake, { once: true });
    });
  }

  private post(path: string, body: unknown): Promise<Response> {
    return this.fetch(new URL(path, this.endpoint), {
      method: "POST",
      headers: { authorization: `Bearer ${this.credential}`, "content-type": "application/json" },
      body: JSON.stringify(body),
      signal: this.stop.signal,
    });
  }
}

/** The backend's problem answer as a GatewayError (a body that is not a problem still names the status). */
async function refusal(res: Response): Promise<GatewayError & { problem: Problem }> {
  const text = await res.text();
  let problem: Problem;
  try {
    problem = JSON.parse(text);
  } catch {
    problem = { status: res.status, code: `http_${res.status}`, detail: text.slice(0, 500) };
  }
  const header = res.headers.get("retry-after");
  const retryAfter = header !== null && Number.isFinite(Number(header)) ? Number(header) : undefined;
  return Object.assign(new GatewayError({ ...problem, status: res.status }, retryAfter), { problem });
}
