import { randomToken, safeEqual } from '../../crypto/token.js';
import { isLanyardError, LanyardError } from '../../errors.js';
import { newFlow, type OAuthFlow } from '../oauth/state.js';
import { labelIn } from '../labels.js';
import type { ExternalProfile } from '../profile.js';
import type { EndpointAnswer, EndpointInput, Provider, StartRequest } from '../provider.js';
import type { ProviderContext } from '../registry.js';
import { countIdps, findIdp, type Idp, idpExpired, idpName, metadataExpired, soleIdp } from './catalogue.js';
import { carriedFlow, discoveryAnswer, rememberIdp } from './discovery.js';
import { encodeFlowParam } from './flow-param.js';
import type { SamlEntry } from './config.js';
import { type RefreshResult, refreshMetadata, scheduleRefresh } from './metadata/refresh.js';
import { createAuthnRequest } from './requests.js';
import { commitResponse, type SamlDeps, type Verified, verifyResponse } from './response/verify.js';
import { spMetadataXml } from './sp-metadata.js';
import { formerSubjectsOf, identitySubject, trustsEmailOf } from './subject.js';
import { samlView } from './view.js';

/** A verified response waiting for its browser at the shared callback (one use, a few minutes). */
interface Result {
  provider: string;
  state: string;
  profile: ExternalProfile;
}
const resultKey = (key: string) => `saml:result:${key}`;
const RESULT_TTL_SECONDS = 300;
/** A SAML response with an encrypted assertion and two certificates is 10–30 kB; a federation's may be larger. */
const ACS_BODY_LIMIT = 1024 * 1024;

/**
 * A SAML 2.0 service provider for one IdP or a federation's IdPs. `GET /auth/{id}` sends an
 * AuthnRequest over HTTP-Redirect and keeps it server-side under its ID (shared by every process:
 * PostgreSQL, or Redis); the IdP's cross-site POST to `/auth/{id}/acs` carries no SameSite=Lax
 * cookie, so the ACS finds the flow by the response's InResponseTo, checks everything, makes the
 * response single-use, and hands the person on to the shared callback with the flow's `state` —
 * which only the browser holding that flow's cookie can finish. The SP metadata is at
 * `/auth/{id}/metadata`.
 */
export function createSamlProvider(entry: SamlEntry, ctx: ProviderContext): Provider {
  const label = entry.label.en;
  const base = `/auth/${entry.id}`;
  const callbackPath = `${base}/callback`;
  const runtime = () => {
    if (!ctx.runtime) throw new Error('the SAML provider needs the running service (database, flow state)');
    return ctx.runtime;
  };
  const deps = (): SamlDeps => {
    const r = runtime();
    return { db: r.db, store: r.flowState, clock: ctx.clock, log: r.log };
  };

  const discoveryDeps = () => ({ db: runtime().db, clock: ctx.clock, keys: runtime().secretKeys });

  // The entry's IdPs come from its metadata, imported on first use (or by the schedule) and kept in
  // the database. One refresh at a time in this process: first use joins a scheduled one under way.
  let refreshing: Promise<RefreshResult> | null = null;
  const refresh = (force: boolean) => {
    const { db, log } = runtime();
    refreshing ??= refreshMetadata({ db, clock: ctx.clock, log }, entry, force).finally(() => {
      refreshing = null;
    });
    return refreshing;
  };
  const ensureIdps = async () => {
    const { db } = runtime();
    if ((await countIdps(db, entry.id)) > 0) return;
    await refresh(true);
    if ((await countIdps(db, entry.id)) === 0)
      throw new LanyardError('SAML_METADATA_UNAVAILABLE', `The metadata of ${label} could not be loaded.`, {
        provider: label,
        idp: label,
      });
  };

  const idpNamed = async (wanted: string): Promise<Idp> => {
    const idp = await findIdp(runtime().db, entry.id, wanted);
    if (!idp)
      throw new LanyardError('SAML_IDP_UNKNOWN', `${wanted} is not an IdP of ${label}.`, {
        provider: label,
        idp: wanted.slice(0, 300),
      });
    return usable(idp);
  };

  /** An IdP whose metadata ran out signs no one in until a refresh brings a current copy. */
  const usable = (idp: Idp): Idp => {
    if (idpExpired(idp, ctx.clock.now())) throw metadataExpired(label, idp);
    return idp;
  };

  /** The IdP the start request names (`?idp=`), else the entry's only one; null: the person chooses. */
  const chooseIdp = async (request: StartRequest | undefined): Promise<Idp | null> => {
    await ensureIdps();
    const wanted = request?.query.get('idp');
    if (wanted) return idpNamed(wanted);
    const sole = await soleIdp(runtime().db, entry.id);
    return sole && usable(sole);
  };

  const sendRequest = (idp: Idp, flow: OAuthFlow) =>
    createAuthnRequest(
      { store: runtime().flowState, clock: ctx.clock },
      entry,
      idp,
      { intent: samlIntent(flow), returnTo: flow.returnTo, sessionId: flow.sessionId },
      flow.state,
      // A proof asks the IdP for a fresh sign-in (ForceAuthn): the browser may hold a session
      // there as somebody else, who would otherwise be refused with no way to switch.
      { forceAuthn: Boolean(flow.proves) },
    );

  /** A link of the discovery page: remember the choice on this device and go to the IdP. */
  const choose = async (input: EndpointInput): Promise<EndpointAnswer> => {
    const { secretKeys } = runtime();
    const carried = carriedFlow(input, entry, secretKeys, ctx.clock.now());
    await ensureIdps();
    const idp = await idpNamed(input.query.get('idp') ?? '');
    const flow = newFlow({ provider: entry.id, ...carried }, ctx.clock.now());
    const location = await sendRequest(idp, flow);
    return { kind: 'redirect', location, flow, cookies: [rememberIdp(input, entry, idp.entityId)] };
  };

  /**
   * A refusal's page names the IdP by its display name (in English in the details, with every
   * language its metadata gives in `idpNames` for the page); the entityID stays in the details.
   */
  const named = async (e: unknown): Promise<unknown> => {
    if (!isLanyardError(e) || !e.code.startsWith('SAML_')) return e;
    const entityId = typeof e.details?.idp === 'string' ? e.details.idp : null;
    const idp = entityId ? await findIdp(runtime().db, entry.id, entityId).catch(() => null) : null;
    return new LanyardError(
      e.code,
      e.message,
      {
        ...e.details,
        provider: label,
        idp: idp ? idpName(idp, 'en') : (entityId ?? label),
        ...(idp && Object.keys(idp.names).length ? { idpNames: idp.names } : {}),
        entityId,
      },
      { cause: e },
    );
  };

  const profileOf = (verified: Verified): ExternalProfile => {
    const { idp, released } = verified;
    const verifiedEmail = trustsEmailOf(entry, idp.entityId);
    const hints: Record<string, string> = {};
    if (released.orcid) hints.orcid = released.orcid;
    if (released.eppn) hints.eppn = released.eppn;
    if (released.affiliations.length) hints.affiliation = released.affiliations.join(' ');
    return {
      provider: entry.id,
      subject: identitySubject(idp.entityId, released.subjects[0]!),
      formerSubjects: formerSubjectsOf(idp.entityId, released.subjects),
      issuer: idp.entityId,
      emails: released.emails.map((address, i) => ({ address, verified: verifiedEmail, primary: i === 0 })),
      givenName: released.givenName,
      familyName: released.familyName,
      displayName: released.displayName,
      tokens: null,
      amr: verified.assertion.authnContext ? [verified.assertion.authnContext] : [],
      hints,
    };
  };

  /** The IdP's POST: verify, make single-use, and hand the browser on to the shared callback. */
  const acs = async (body: Record<string, unknown>): Promise<EndpointAnswer> => {
    const d = deps();
    try {
      const samlResponse = body.SAMLResponse;
      if (typeof samlResponse !== 'string' || !samlResponse)
        throw new LanyardError('SAML_RESPONSE_INVALID', 'The post carries no SAMLResponse.', { idp: null });
      // An unsolicited response may be the first thing this entry sees: its IdPs must be known.
      await ensureIdps();
      const verified = await verifyResponse(d, entry, samlResponse);
      await commitResponse(d, entry, verified);
      // An unsolicited response the entry allows starts its own flow, set in this answer's cookie.
      const flow = verified.request
        ? undefined
        : newFlow({ provider: entry.id, returnTo: '/', intent: 'sign_in', sessionId: null }, ctx.clock.now());
      const state = verified.request?.state ?? flow!.state;
      const key = randomToken();
      const result: Result = { provider: entry.id, state, profile: profileOf(verified) };
      await d.store.add(resultKey(key), result, RESULT_TTL_SECONDS);
      d.log.info({ provider: entry.id, idp: verified.idp.entityId }, 'SAML response accepted');
      return {
        kind: 'redirect',
        location: `${callbackPath}?state=${encodeURIComponent(state)}&result=${key}`,
        ...(flow ? { flow } : {}),
      };
    } catch (e) {
      throw await named(e);
    }
  };

  return {
    id: entry.id,
    type: 'saml',
    policy: { trustEmail: entry.trustEmail },
    redirectUri: entry.acsUrl,
    callbackPaths: [callbackPath],
    startAliases: [],
    formOrigins: [],
    demo: false,
    label: (locale) => labelIn(entry.label, locale),
    identityName: (locale) => labelIn(entry.label, locale),
    async start(flow, request) {
      try {
        const idp = await chooseIdp(request);
        if (idp) return { url: await sendRequest(idp, flow), flow };
        // Several IdPs: the discovery page, carrying the flow (sign in or link, where to return).
        const carried = encodeFlowParam({ ...flow, intent: samlIntent(flow) }, runtime().secretKeys, ctx.clock.now());
        return { url: `${base}/discovery?flow=${encodeURIComponent(carried)}`, flow };
      } catch (e) {
        throw await named(e);
      }
    },
    async finish(callback) {
      const flow = callback.flow();
      const key = callback.query.get('result');
      const result = key && key.length <= 100 ? await runtime().flowState.take<Result>(resultKey(key)) : null;
      if (!result || result.provider !== entry.id || !safeEqual(result.state, flow.state))
        throw new LanyardError('SAML_FLOW_INVALID', 'This sign-in was not finished in this browser.', {
          provider: label,
          idp: label,
        });
      return result.profile;
    },
    // Nothing of the IdP's is kept, so there is nothing to revoke.
    unlink: () => Promise.resolve(null),
    describe: () => [
      `Register this service provider at ${entry.source.kind === 'federation' ? 'the federation' : 'the IdP'} with its metadata:`,
      `  SP metadata: ${entry.metadataUrl}`,
      `  entityID:    ${entry.spEntityId}`,
      `  ACS (HTTP-POST): ${entry.acsUrl}`,
      `IdP metadata: ${entry.source.url ?? entry.source.file}`,
    ],
    view: samlView(entry),
    background({ tickMs }) {
      const { db, log } = runtime();
      return scheduleRefresh({ db, clock: ctx.clock, log }, entry, {
        ...(tickMs ? { tickMs } : {}),
        refresh: () => refresh(false),
      });
    },
    endpoints: [
      {
        method: 'GET',
        path: 'metadata',
        handle: () =>
          Promise.resolve({
            kind: 'document',
            status: 200,
            type: 'application/samlmetadata+xml',
            body: spMetadataXml(entry),
          }),
      },
      { method: 'POST', path: 'acs', bodyLimit: ACS_BODY_LIMIT, handle: ({ body }) => acs(body) },
      {
        method: 'GET',
        path: 'choose',
        handle: (input) => choose(input).catch(async (e) => Promise.reject(await named(e))),
      },
      {
        method: 'GET',
        path: 'discovery',
        handle: async (input) => {
          await ensureIdps().catch(async (e) => Promise.reject(await named(e)));
          return discoveryAnswer(discoveryDeps(), entry, input, false);
        },
      },
      {
        method: 'GET',
        path: 'discovery/idps',
        handle: (input) => discoveryAnswer(discoveryDeps(), entry, input, true),
      },
    ],
  };
}

/** Only ORCID takes 'consent' flows (more scopes for a linked iD); a SAML flow signs in or links. */
const samlIntent = (flow: OAuthFlow): 'sign_in' | 'link' => (flow.intent === 'link' ? 'link' : 'sign_in');
