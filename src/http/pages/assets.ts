import type { Route } from '../app.js';
import { faviconIco } from '../assets.js';
import { faviconSvg } from '../views/icons.js';
import { stylesheet, stylesheetPath } from '../views/stylesheet.js';

const DAY = 86400;

export const assetRoutes: Route = (app) => {
  // The path carries the stylesheet's hash, so it can be cached for good.
  app.get(stylesheetPath, (_req, reply) =>
    reply
      .type('text/css; charset=utf-8')
      .header('cache-control', `public, max-age=${365 * DAY}, immutable`)
      .send(stylesheet),
  );
  // The unhashed path stays for anything that linked it before.
  app.get('/assets/lanyard.css', (_req, reply) => reply.redirect(stylesheetPath, 302));
  app.get('/favicon.svg', (_req, reply) =>
    reply.type('image/svg+xml').header('cache-control', `public, max-age=${DAY}`).send(faviconSvg),
  );
  app.get('/favicon.ico', (_req, reply) =>
    reply.type('image/x-icon').header('cache-control', `public, max-age=${DAY}`).send(faviconIco),
  );
  app.get('/', (request, reply) => reply.redirect(request.auth ? '/profile' : '/login'));
};
