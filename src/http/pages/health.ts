import { sql } from 'kysely';
import { migrationsApplied } from '../../db/migrate.js';
import type { Route } from '../app.js';

export const healthRoutes: Route = (app, lanyard) => {
  /** Liveness: the process answers. */
  app.get('/healthz', () => ({ status: 'ok' }));
  /** Readiness: the database answers and every migration is applied. */
  app.get('/readyz', async (_req, reply) => {
    try {
      await sql`select 1`.execute(lanyard.db);
      if (!(await migrationsApplied(lanyard.db))) return reply.code(503).send({ status: 'migrations pending' });
      return { status: 'ready' };
    } catch {
      return reply.code(503).send({ status: 'database unreachable' });
    }
  });
};
