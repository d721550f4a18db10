import type { FastifyInstance } from 'fastify';

/**
 * application/x-www-form-urlencoded bodies become URLSearchParams, which keeps repeated parameters
 * visible (the token endpoint rejects duplicates).
 */
export function registerFormParser(app: FastifyInstance): void {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_req, body, done) => {
    done(null, new URLSearchParams(body as string));
  });
}
