// The v3.0 record API, mounted twice: under `/member-api` (api.orcid.org) and `/pub-api`
// (pub.orcid.org). Reads: `/email`, `/person`, `/personal-details`, `/record` (or bare iD),
// `/activities`, `/works`, `/employments`, `/educations`, `/fundings` (docs/design.md, ORCID §2);
// one work and the member API's writes are in works.ts.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { echoCors } from '../lib/cors.js';
import { bearerToken, queryParams } from '../lib/request.js';
import { READ_LIMITED, canReadLimited } from '../lib/scopes.js';
import { NOT_FOUND, forbidden, invalidToken, sendApiError, unrouted } from '../record/errors.js';
import { negotiate, sendRepresented } from '../record/negotiate.js';
import { emailsView, personView, personalDetailsView } from '../record/person.js';
import { fundingsView } from '../record/affiliations.js';
import { activitiesView, educationsView, employmentsView, recordView } from '../record/record.js';
import type { Viewer } from '../record/viewer.js';
import { worksView } from '../record/works.js';
import { registerWorkRoutes } from './works.js';
import type { OrcidEmulatorState } from '../state.js';
import type { EmulatorUser } from '../store/users.js';
import type { TokenGrant } from '../store/tokens.js';

type View = (viewer: Viewer, user: EmulatorUser) => unknown;

// Section → view, XML root and namespace, and which `/read-limited` sub-scope unlocks it.
const SECTIONS: Record<string, { view: View; root: string; ns: string; limitedBy: (s: string[]) => boolean }> = {
  email: { view: emailsView, root: 'emails', ns: 'email', limitedBy: (s) => canReadLimited(s, 'person') },
  person: { view: personView, root: 'person', ns: 'person', limitedBy: (s) => canReadLimited(s, 'person') },
  'personal-details': {
    view: personalDetailsView,
    root: 'personal-details',
    ns: 'personal-details',
    limitedBy: (s) => canReadLimited(s, 'person'),
  },
  record: { view: recordView, root: 'record', ns: 'record', limitedBy: (s) => s.includes(READ_LIMITED) },
  activities: {
    view: activitiesView,
    root: 'activities-summary',
    ns: 'activities',
    limitedBy: (s) => canReadLimited(s, 'activities'),
  },
  works: { view: worksView, root: 'works', ns: 'activities', limitedBy: (s) => canReadLimited(s, 'activities') },
  employments: {
    view: employmentsView,
    root: 'employments',
    ns: 'activities',
    limitedBy: (s) => canReadLimited(s, 'activities'),
  },
  educations: {
    view: educationsView,
    root: 'educations',
    ns: 'activities',
    limitedBy: (s) => canReadLimited(s, 'activities'),
  },
  fundings: {
    view: fundingsView,
    root: 'fundings',
    ns: 'activities',
    limitedBy: (s) => canReadLimited(s, 'activities'),
  },
};

export const apiRoutes: FastifyPluginAsync<{ state: OrcidEmulatorState; api: 'member' | 'public' }> = async (
  app,
  { state, api },
) => {
  const host = new URL(state.baseUrl).host;

  const clientName = (clientId: string) => state.clients.get(clientId)?.name ?? clientId;

  /**
   * `/read-limited` applies on the Member API only, and only to the record the token is for; any
   * other token reads the public view (nemar's choice for an unobserved case). A member client
   * also sees what it added itself, whatever its visibility (`OrcidSecurityManager.checkAndFilter`).
   */
  function viewerFor(
    grant: TokenGrant | null,
    user: EmulatorUser,
    limitedBy: (scopes: string[]) => boolean = (s) => canReadLimited(s, 'activities'),
  ): Viewer {
    const member = api === 'member' && grant !== null;
    return {
      limited: member && grant.orcid === user.orcid && limitedBy(grant.scopes),
      baseUrl: state.baseUrl,
      host,
      clientId: member ? grant.clientId : null,
      clientName,
    };
  }

  /** The bearer check runs before negotiation, as Spring Security's filter precedes Jersey. */
  function authorizeRead(request: FastifyRequest, reply: FastifyReply): TokenGrant | null | 'answered' {
    // Header first, then the `access_token` query parameter (ORCID-Source `OrcidBearerTokenFilter`).
    const token = bearerToken(request) ?? (queryParams(request).get('access_token') || null);
    if (token === null) {
      // Anonymous reads are fine on the Public API; the Member API needs a token.
      if (api === 'member') forbidden(reply);
      return api === 'member' ? 'answered' : null;
    }
    const grant = state.tokens.byAccessToken(token, state.now());
    if (grant === null) {
      invalidToken(reply, token);
      return 'answered';
    }
    return grant;
  }

  async function read(request: FastifyRequest<{ Params: { orcid: string; section?: string } }>, reply: FastifyReply) {
    if (api === 'public') echoCors(request, reply);
    const grant = authorizeRead(request, reply);
    if (grant === 'answered') return reply;
    const rep = negotiate(request.headers.accept);
    const name = request.params.section ?? 'record';
    const section = Object.hasOwn(SECTIONS, name) ? SECTIONS[name] : undefined;
    if (!section) return sendApiError(reply, unrouted(404, 'HTTP 404 Not Found'), null);
    if (rep === null) return sendApiError(reply, unrouted(406, 'HTTP 406 Not Acceptable'), null);
    const user = state.users.get(request.params.orcid);
    if (!user) return sendApiError(reply, NOT_FOUND, rep);
    const body = section.view(viewerFor(grant, user, section.limitedBy), user);
    return sendRepresented(reply, rep, 200, body, section);
  }

  const config = { orcidEmulatorGroup: 'api' as const };
  app.get('/v3.0/:orcid', { config }, read);
  app.get('/v3.0/:orcid/:section', { config }, read);
  registerWorkRoutes(app, { state, api, authorizeRead, viewerFor: (grant, user) => viewerFor(grant, user) });
  app.setNotFoundHandler((_request, reply) => sendApiError(reply, unrouted(404, 'HTTP 404 Not Found'), null));
};
