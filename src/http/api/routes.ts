import type { App, Route } from '../app.js';
import { authnRoutes } from './authn.js';
import { epersonRoutes } from './epersons.js';
import { csrfGuard } from './guards.js';
import { openApiDocumentRoute, registerOpenApi } from './openapi.js';
import { registrationRoutes } from './registrations.js';

/**
 * The REST API under /api (issue 5), in its own Fastify context: the JSON Patch media type, plain
 * JSON replies, the CSRF rule and the OpenAPI collector apply to these routes only. Errors go
 * through the app's one error handler (problem+json with a stable `code`).
 */
export const apiRoutes: Route = async (app, lanyard) => {
  await app.register(async (api: App) => {
    // DSpace's UI sends JSON Patch as application/json-patch+json: read by the same JSON parser
    // (size limit, prototype-poisoning guard) as application/json.
    api.addContentTypeParser(
      'application/json-patch+json',
      { parseAs: 'string' },
      api.getDefaultJsonParser('error', 'error'),
    );
    // Response schemas are for the document and the tests; replies stay JSON.stringify, so a field
    // missing from a schema is caught by the tests instead of silently dropped by a serializer.
    api.setSerializerCompiler(() => (data) => JSON.stringify(data));
    api.addHook('preValidation', csrfGuard(lanyard));
    await registerOpenApi(api, lanyard);
    for (const routes of [registrationRoutes, epersonRoutes, authnRoutes, openApiDocumentRoute])
      await routes(api, lanyard);
  });
};
