import swagger from '@fastify/swagger';
import type { App, Route } from '../app.js';
import type { Lanyard } from '../../lanyard.js';
import { callbackStatuses } from '../pages/providers.js';
import { refusalsWith } from './schemas.js';

/**
 * A provider callback under /api (ORCID's: DSpace's `/api/authn/orcid`) is served by the pages
 * (src/http/pages/providers.ts) and reads its raw query on purpose (error redirects may lack
 * `state`), so it has no request schema to generate from: it is described here, with the same
 * problem schema as every other route.
 */
function providerCallback(provider: string, startPaths: string) {
  const param = (name: string, description: string) => ({
    name,
    in: 'query',
    required: false,
    schema: { type: 'string' as const },
    description,
  });
  return {
    get: {
      tags: ['authn'],
      summary: `${provider}’s redirect back (the redirect_uri registered at ${provider})`,
      parameters: [
        param('code', 'The authorization code.'),
        param('state', `Must equal the state of this browser’s flow cookie (set by ${startPaths}).`),
        param('error', `${provider}’s error, e.g. access_denied.`),
        param('error_description', `${provider}’s error text.`),
      ],
      responses: {
        303: {
          description:
            'Signed in: Location is the redirectUrl given at the start, session cookie set. Or a registration was made: Location is /external-login/{token}. Or, for a sign-in started on a mailed link’s page to prove its identity, that page again (nobody signed in).',
          headers: { Location: { schema: { type: 'string' as const } } },
        },
        ...refusalsWith(
          callbackStatuses,
          'OAUTH_CALLBACK_EMPTY',
          'OAUTH_CALLBACK_INVALID',
          'OAUTH_STATE_INVALID',
          'OAUTH_CODE_INVALID',
          'PROVIDER_ACCESS_DENIED',
          'PROVIDER_ERROR',
          'PROVIDER_UNAVAILABLE',
          'PROVIDER_NOT_CONFIGURED',
          'ACCOUNT_DISABLED',
          'ACCOUNT_EMAIL_UNVERIFIED',
          'IDENTITY_LINKED_ELSEWHERE',
          'IDENTITY_ALREADY_LINKED',
          'IDENTITY_PROOF_MISMATCH',
          'TOKEN_INVALID',
          'TOKEN_EXPIRED',
          'TOKEN_CONSUMED',
          'RATE_LIMITED',
        ),
      },
    },
  };
}

/** Collects the API's routes, with their validation schemas, into an OpenAPI 3.1 document. */
export async function registerOpenApi(api: App, lanyard: Lanyard): Promise<void> {
  await api.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Lanyard REST API',
        version: '1.0.0',
        description:
          'DSpace-compatible REST API for the ORCID sign-in flow. Differences from DSpace and a curl walkthrough: docs/api.md.',
      },
      servers: [{ url: lanyard.config.publicUrl }],
      tags: [
        { name: 'registrations', description: 'DSpace /api/eperson/registrations' },
        { name: 'epersons', description: 'DSpace /api/eperson/epersons' },
        { name: 'authn', description: 'DSpace /api/authn' },
        {
          name: 'orcid',
          description:
            'A researcher’s ORCID record through Lanyard: works a repository puts there with an access token of Lanyard’s OpenID provider (scope orcid.works), or the researcher in their own session.',
        },
      ],
      paths: Object.fromEntries([
        ...lanyard.providers.list.flatMap((p) =>
          p.callbackPaths
            .filter((path) => path.startsWith('/api/'))
            .map((path) => [
              path,
              providerCallback(p.label('en'), [`/api/authn/${p.id}/start`, ...p.startAliases].join(' or ')),
            ]),
        ),
        ...lanyard.providers
          .unconfiguredPaths()
          .filter((r) => r.kind === 'callback')
          .map((r) => [r.path, providerCallback(r.label, 'its start route, when configured')]),
      ]),
    },
  });
}

export const openApiDocumentRoute: Route = (api) => {
  api.get(
    '/api/openapi.json',
    {
      schema: {
        summary: 'This document',
        response: {
          200: { description: 'OpenAPI 3.1', content: { 'application/json': { schema: { type: 'object' } } } },
        },
      },
    },
    () => api.swagger(),
  );
};
