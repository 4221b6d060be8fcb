import { STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { TenancyError } from "../../schema/errors";
import { invalidField } from "./validate";
import { newRequestId } from "../auth/credentials";
import { sendProblem } from "./errors";

/**
 * What Fastify and Node answer on their own, before any route runs, in the one error vocabulary
 * (problem+json with a code and a requestId) instead of their own JSON shapes.
 */

/** Router failures: a malformed percent-encoding, a path segment past the router's 2,000 characters. */
export function frameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const message =
    error.code === "FST_ERR_MAX_PARAM_LENGTH"
      ? "a path segment is longer than 2000 characters; no id is that long"
      : "is not a valid URL path (a malformed percent-encoding); encode every reserved character once";
  return sendProblem(reply, invalidField("(path)", message), request.id);
}

/**
 * Failures of the connection before a request exists: headers or body slower than the request
 * timeout (408), headers past Node's size limit (431), bytes that are not HTTP (400). The answer
 * is written on the socket, which is then closed.
 */
export function clientErrorHandler(requestTimeoutMs: number) {
  return (err: NodeJS.ErrnoException, socket: Duplex): void => {
    // A reset connection has nobody left to answer.
    if (err.code === "ECONNRESET" || socket.destroyed) return;
    const error =
      err.code === "ERR_HTTP_REQUEST_TIMEOUT"
        ? new TenancyError("request_timeout", `the request's headers and body did not arrive within ${requestTimeoutMs} ms (TENANCY_REQUEST_TIMEOUT_MS); send them without pauses`)
        : err.code === "HPE_HEADER_OVERFLOW"
          ? new TenancyError("headers_too_large", "the request's headers are larger than this server accepts (16 KB in all)")
          : new TenancyError("invalid_request", "the request is not valid HTTP/1.1");
    if (socket.writable) {
      const body = JSON.stringify(error.toProblem(newRequestId()));
      socket.write(
        `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status]}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    }
    socket.destroy();
  };
}
