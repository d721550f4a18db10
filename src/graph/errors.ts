import type { FastifyReply, FastifyRequest } from 'fastify';

/** A Graph failure with its HTTP status, `code` and `message`, answered in Graph's error envelope. */
export class GraphError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Graph's innerError date: no fraction, no zone. */
const innerDate = (): string => new Date().toISOString().slice(0, 19);

export function graphErrorBody(request: FastifyRequest, code: string, message: string): Record<string, unknown> {
  return {
    error: {
      code,
      message,
      innerError: { date: innerDate(), 'request-id': request.id, 'client-request-id': clientRequestId(request) },
    },
  };
}

export function sendGraphError(request: FastifyRequest, reply: FastifyReply, status: number, code: string, message: string, headers: Record<string, string> = {}): FastifyReply {
  return reply.code(status).headers(headers).type('application/json').send(graphErrorBody(request, code, message));
}

/** The caller's client-request-id when it is a sane token, else the request id (as Graph echoes). */
export function clientRequestId(request: FastifyRequest): string {
  const v = request.headers['client-request-id'];
  const s = Array.isArray(v) ? v[0] : v;
  return s && /^[A-Za-z0-9._:-]{1,128}$/.test(s) ? s : request.id;
}
