/**
 * Errors that happen before a request reaches a route — a malformed request line, headers
 * too large, a request that did not arrive in time, a URL that does not decode — answered
 * in usagehub's own envelope with a catalogued code, like every other error.
 */
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ERRORS, UsageHubError, type ErrorCode } from '../domain/errors.ts';
import { nativeEnvelope, toUsageHubError } from './error-handler.ts';

/** Node's HTTP parser and server error codes → ours. */
function codeOfClientError(err: NodeJS.ErrnoException): ErrorCode {
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') return 'request_timeout';
  if (err.code === 'HPE_HEADER_OVERFLOW') return 'headers_too_large';
  if (err.code === 'HPE_URI_TOO_LONG') return 'uri_too_long';
  return 'invalid_request';
}

/**
 * Fastify's `clientErrorHandler`: the socket has no request object yet (or a broken
 * one), so the answer is written on the socket by hand, then the connection closed.
 */
export function clientErrorHandler(onReject: (code: ErrorCode) => void) {
  return (err: NodeJS.ErrnoException, socket: Socket): void => {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    const code = codeOfClientError(err);
    onReject(code);
    const message = code === 'invalid_request' ? 'The request is not valid HTTP/1.1.' : ERRORS[code].message;
    const body = JSON.stringify({ error: { code, message, details: [], requestId: '' } });
    const status = ERRORS[code].status;
    if (socket.writable) {
      socket.write(
        `HTTP/1.1 ${status} ${statusText(status)}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
    }
    socket.destroy();
  };
}

const statusText = (status: number): string =>
  ({
    400: 'Bad Request',
    408: 'Request Timeout',
    414: 'URI Too Long',
    431: 'Request Header Fields Too Large',
  })[status] ?? 'Error';

/** Fastify's `frameworkErrors`: a URL that does not decode, a parameter past its length. */
export function frameworkErrors(onReject: (code: ErrorCode) => void) {
  return (err: FastifyError, request: FastifyRequest, reply: FastifyReply): void => {
    const e = toUsageHubError(err);
    const shown =
      e.code === 'invalid_request'
        ? new UsageHubError('invalid_request', 'The URL is not validly percent-encoded.')
        : e;
    onReject(shown.code);
    void reply.status(shown.status).send(nativeEnvelope(shown, request));
  };
}
