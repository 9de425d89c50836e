import type { Route } from '../app.js';
import { orcidIcon, stylesheet } from '../assets.js';

export const assetRoutes: Route = (app) => {
  app.get('/assets/lanyard.css', (_req, reply) =>
    reply.type('text/css').header('cache-control', 'public, max-age=3600').send(stylesheet),
  );
  app.get('/assets/orcid-id.svg', (_req, reply) =>
    reply.type('image/svg+xml').header('cache-control', 'public, max-age=86400').send(orcidIcon),
  );
  app.get('/', (request, reply) => reply.redirect(request.auth ? '/profile' : '/login'));
};
