import type { FastifyReply, FastifyRequest } from "fastify";
import pino, { DestinationStream, Logger } from "pino";
import { scrubSecrets } from "../auth/credentials";

/**
 * The one line every request leaves in the log, and where the server's lines go.
 *
 * Both are here because they were most of what `/healthz` cost: pino serializing the line's
 * object and sonic-boom's string mode measuring its whole pending block again on every write
 * (`Buffer.byteLength` of a growing string flattens it each time). The line has a fixed shape, so
 * it is written as a template, byte for byte what pino would write for it
 * (`test/backend/request-log.test.ts` compares the two for any URL and id).
 */

const { chindingsSym, streamSym } = pino.symbols;
const INFO = pino.levels.values.info;

/** The request as the log shows it: never a header (credentials travel there), the URL scrubbed. */
export function requestFields(req: FastifyRequest): { method: string; url: string; remoteAddress: string; requestId: string } {
  return { method: req.method, url: scrubSecrets(req.url), remoteAddress: req.ip, requestId: req.id };
}

// Printable ASCII other than `"` and `\`: JSON carries it between quotes unchanged.
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
const quote = (text: string) => (PLAIN.test(text) ? `"${text}"` : JSON.stringify(text));

const LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/**
 * The logger Fastify hands each request (`childLoggerFactory`): pino's child, made on the first
 * line that needs it. Making one serializes its bindings at once, and most requests only ever
 * write `request completed`, which `logCompleted` writes from the parent and the request id.
 */
export class RequestLogger {
  #real: Logger | undefined;
  constructor(
    readonly parent: Logger,
    private readonly bindings: Record<string, unknown>,
    private readonly options: object,
  ) {}
  get real(): Logger {
    return (this.#real ??= this.parent.child(this.bindings, this.options));
  }
  get level(): string {
    return this.real.level;
  }
  set level(level: string) {
    this.real.level = level;
  }
  isLevelEnabled(level: string): boolean {
    return (this.#real ?? ("level" in this.options ? this.real : this.parent)).isLevelEnabled(level);
  }
  child(bindings: Record<string, unknown>, options?: object): Logger {
    return this.real.child(bindings, options);
  }
  /** What pino's child would add to each line: its bindings, as pino serializes a string. */
  chindings(): string {
    let text = (this.parent as unknown as Record<symbol, string>)[chindingsSym];
    for (const [key, value] of Object.entries(this.bindings)) text += `,${JSON.stringify(key)}:${JSON.stringify(value)}`;
    return text;
  }
}
export interface RequestLogger extends Record<(typeof LEVELS)[number], (...args: unknown[]) => void> {}
for (const level of LEVELS) {
  Object.defineProperty(RequestLogger.prototype, level, {
    value(this: RequestLogger, ...args: unknown[]) {
      (this.real[level] as (...a: unknown[]) => void)(...args);
    },
  });
}

/** Fastify's `childLoggerFactory`: a RequestLogger instead of a pino child made for every request. */
export function requestLogger(logger: unknown, bindings: Record<string, unknown>, options: object): RequestLogger {
  return new RequestLogger(logger as Logger, bindings, options);
}

/**
 * Writes `request completed` as the request's own child logger would (its level, its bindings
 * with `reqId`, its stream), without building and walking an object per request.
 */
export function logCompleted(req: FastifyRequest, reply: FastifyReply): void {
  // Fastify's request logger is a RequestLogger (the app's childLoggerFactory) or a pino child.
  const log = reply.log as unknown as (Logger & Record<symbol, unknown>) | RequestLogger;
  if (!log.isLevelEnabled("info")) return;
  const [pinoLogger, chindings] = log instanceof RequestLogger ? [log.parent as Logger & Record<symbol, unknown>, log.chindings()] : [log, log[chindingsSym] as string];
  const url = scrubSecrets(req.url);
  (pinoLogger[streamSym] as DestinationStream).write(
    `{"level":${INFO},"time":${Date.now()}${chindings},"req":{"method":${quote(req.method)},"url":${quote(url)},` +
      `"remoteAddress":${quote(req.ip)},"requestId":${quote(req.id)}},"res":{"statusCode":${reply.statusCode}},` +
      `"responseTime":${reply.elapsedTime},"msg":"request completed"}\n`,
  );
}

/** Bytes of lines kept before one write: about this much, or 100 ms of lines, is lost to kill -9. */
const BLOCK_BYTES = 16 * 1024;
/** A quiet server's lines still appear within this. */
const FLUSH_MS = 100;
/** How long shutdown waits for the last lines to be written. */
const CLOSE_WAIT_MS = 5000;

export interface LogDestination extends DestinationStream {
  /**
   * Stops the timer and writes what is pending, resolving `true` once all of it is written (after
   * a block already on its way, so lines stay in order), or `false` when a write failed or
   * CLOSE_WAIT_MS passed (a reader that stopped reading: that write may never return). The file
   * descriptor stays open.
   */
  close(): Promise<boolean>;
}

/**
 * The server's log destination: lines written asynchronously (a slow log reader never stalls a
 * request), whole and in order, in blocks of 16 KB or every 100 ms. Lines are joined here and
 * each block becomes one Buffer handed to sonic-boom in buffer mode: a Buffer and sonic-boom's
 * bookkeeping per line cost a small request a noticeable share of its CPU, and its string mode
 * re-measures the pending block on every line.
 */
export function logDestination(fd = 1): LogDestination {
  const blocks = pino.destination({ dest: fd, sync: false, minLength: BLOCK_BYTES, maxWrite: 4 * BLOCK_BYTES, contentMode: "buffer" });
  let pending = "";
  // Buffer mode takes Buffers; sonic-boom's types only name strings.
  const handOver = () => {
    if (pending === "") return;
    blocks.write(Buffer.from(pending) as unknown as string);
    pending = "";
  };
  const timer = setInterval(() => {
    handOver();
    blocks.flush();
  }, FLUSH_MS).unref();
  return {
    // A block of at least BLOCK_BYTES characters is at least that many bytes: sonic-boom writes it at once.
    write: (line: string) => {
      pending += line;
      if (pending.length >= BLOCK_BYTES) handOver();
    },
    // Resolves whatever happens to the writes, and never writes synchronously: a reader that
    // is gone (EPIPE) or no longer reads (a full socket, a write that never returns) must never
    // hold the process at shutdown; the server's deadline ends what this cannot.
    close: () =>
      new Promise<boolean>((done) => {
        clearInterval(timer);
        handOver();
        // A failed write clears sonic-boom's writing flag and emits 'error', never 'drain'.
        blocks.once("error", () => done(false));
        // After the block on its way (a write past it would land before it), the rest; flush's
        // callback comes after the rest's write (and an fsync that pipes refuse: done either way).
        const rest = () => blocks.flush(() => done(true));
        // sonic-boom says whether a block is on its way only in a private field (the
        // destination's test holds it to that).
        if ((blocks as unknown as { _writing: boolean })._writing) blocks.once("drain", rest);
        else rest();
        setTimeout(() => done(false), CLOSE_WAIT_MS).unref();
      }),
  };
}
