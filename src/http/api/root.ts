import { Type } from 'typebox';
import type { Route } from '../app.js';
import { CSRF_RESPONSE_HEADER, csrfTokenFor } from './guards.js';
import { empty } from './schemas.js';

const Link = Type.Object({ href: Type.String() }, { additionalProperties: false });

/** DSpace's RootRest: every data service of its UI builds its URLs from these `_links`. */
const RootRest = Type.Object(
  {
    dspaceUI: Type.String(),
    dspaceName: Type.String(),
    dspaceServer: Type.String(),
    dspaceVersion: Type.String(),
    type: Type.Literal('root'),
    _links: Type.Record(Type.String(), Link),
  },
  { additionalProperties: false },
);

/**
 * The endpoints Lanyard serves, by the names DSpace's root lists them under (the `linkPath` of
 * dspace-angular's AuthRequestService, EpersonRegistrationService and EPersonDataService).
 */
const links = { authn: 'authn', epersons: 'eperson/epersons', registrations: 'eperson/registrations' };

/**
 * `GET /api` (DSpace's RootRestResourceController) and `GET /api/security/csrf` (DSpace's
 * CsrfRestController), the two calls dspace-angular makes before any other: the first to resolve
 * every REST URL, the second because its non-GET requests wait for a CSRF token.
 */
export const rootRoutes: Route = (api, lanyard) => {
  const { config } = lanyard;
  const api_ = `${config.publicUrl}/api`;

  api.get(
    '/api',
    {
      schema: {
        tags: ['root'],
        summary: 'The API root: the links to the endpoints this service serves',
        response: { 200: { description: 'HAL root.', content: { 'application/json': { schema: RootRest } } } },
      },
    },
    async () => ({
      dspaceUI: config.uiUrl ?? config.publicUrl,
      dspaceName: 'Lanyard',
      dspaceServer: config.publicUrl,
      dspaceVersion: 'Lanyard (DSpace 9 REST subset: authn, eperson/epersons, eperson/registrations)',
      type: 'root' as const,
      _links: {
        ...Object.fromEntries(Object.entries(links).map(([name, path]) => [name, { href: `${api_}/${path}` }])),
        self: { href: api_ },
      },
    }),
  );

  api.get(
    '/api/security/csrf',
    {
      schema: {
        tags: ['root'],
        summary: 'A CSRF token for this browser, in the DSPACE-XSRF-TOKEN header (sets the CSRF cookie if needed)',
        response: {
          204: {
            ...empty('The token is in the DSPACE-XSRF-TOKEN header.'),
            headers: { 'DSPACE-XSRF-TOKEN': { type: 'string' } },
          },
        },
      },
    },
    async (request, reply) => {
      reply.header(CSRF_RESPONSE_HEADER, csrfTokenFor(request, reply, config));
      return reply.code(204).send();
    },
  );
};
