import type { App, Route } from '../app.js';
import { authnRoutes, signInMethods } from './authn.js';
import { bearerOf, schemeOf, sessionOfBearer } from './bearer.js';
import { corsHook } from './cors.js';
import { epersonRoutes } from './epersons.js';
import { bearerOnly, challenge, csrfGuard, mediaTypeGuard, noStore } from './guards.js';
import { openApiDocumentRoute, registerOpenApi } from './openapi.js';
import { withRefusal } from './schemas.js';
import { orcidRoutes } from './orcid.js';
import { orcidRecordRoutes } from './orcid-record.js';
import { registrationRoutes } from './registrations.js';
import { rootRoutes } from './root.js';

/**
 * The REST API under /api (issue 5), in its own Fastify context: the JSON Patch media type, plain
 * JSON replies, the CSRF rule and the OpenAPI collector apply to these routes only. Errors go
 * through the app's one error handler (problem+json with a stable `code`).
 */
export const apiRoutes: Route = async (app, lanyard) => {
  // On the root, so preflights and answers to paths no route serves get their CORS headers too.
  app.addHook('onRequest', corsHook(lanyard.config));
  const methods = signInMethods(
    lanyard.config,
    lanyard.providers.list.map((p) => p.id),
  );
  await app.register(async (api: App) => {
    // DSpace's UI sends JSON Patch as application/json-patch+json: read by the same JSON parser
    // (size limit, prototype-poisoning guard) as application/json. It also sends its merge POST with
    // `Content-Type: application/json; charset=utf-8` and no body at all: an empty body is "no body"
    // (a route that needs one still refuses it, VALIDATION_FAILED).
    const json = api.getDefaultJsonParser('error', 'error');
    const jsonOrNothing: typeof json = (request, body, done) =>
      body === '' ? done(null, undefined) : json(request, body, done);
    api.removeContentTypeParser('application/json');
    api.addContentTypeParser('application/json', { parseAs: 'string' }, jsonOrNothing);
    api.addContentTypeParser('application/json-patch+json', { parseAs: 'string' }, json);
    // DSpace's token authentication: a valid `Authorization: Bearer` stands for its session here
    // (src/http/api/bearer.ts); an invalid one is ignored, as DSpace's filter ignores it. A DPoP
    // credential (the ORCID API's; refused elsewhere) is never a session: a cookie sent beside it
    // is not used, as beside a Bearer.
    api.addHook('onRequest', async (request) => {
      const bearer = bearerOf(request);
      if (bearer) request.auth = await sessionOfBearer(lanyard, bearer);
      else if (schemeOf(request) === 'dpop') request.auth = null;
    });
    // Response schemas are for the document and the tests; replies stay JSON.stringify, so a field
    // missing from a schema is caught by the tests instead of silently dropped by a serializer.
    api.setSerializerCompiler(() => (data) => JSON.stringify(data));
    api.addHook('onRequest', mediaTypeGuard());
    api.addHook('onRequest', noStore());
    api.addHook('onRequest', bearerOnly(methods));
    // Every operation may answer that refusal: in the document too (this hook runs before the collector's).
    api.addHook('onRoute', (route) => {
      route.schema = { ...route.schema, response: withRefusal(route.schema?.response, 'AUTH_SCHEME_UNSUPPORTED') };
    });
    api.addHook('onSend', challenge(methods));
    api.addHook('preValidation', csrfGuard(lanyard));
    await registerOpenApi(api, lanyard);
    for (const routes of [
      rootRoutes,
      registrationRoutes,
      epersonRoutes,
      authnRoutes,
      orcidRoutes,
      orcidRecordRoutes,
      openApiDocumentRoute,
    ])
      await routes(api, lanyard);
  });
};
