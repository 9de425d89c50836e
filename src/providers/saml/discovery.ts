import type { Clock } from '../../clock.js';
import type { SecretKey } from '../../config/schema.js';
import type { Db } from '../../db/connect.js';
import { LanyardError } from '../../errors.js';
import type { EndpointAnswer, EndpointInput } from '../provider.js';
import { countIdps, findIdp, idpExpired, type IdpListing, searchIdps } from './catalogue.js';
import type { SamlEntry } from './config.js';
import { DISCOVERY_LIMIT, discoveryMain, idpItem, idpHref } from './discovery-page.js';
import { decodeFlowParam } from './flow-param.js';
import type { FlowIntent } from './requests.js';

/** The cookie that remembers the IdPs last chosen on this device (entityIDs, newest first). */
export const recentCookie = (entry: SamlEntry) => `lanyard-saml-${entry.id}`;
const RECENT = 3;

export function recentIds(input: Pick<EndpointInput, 'cookie'>, entry: SamlEntry): string[] {
  const raw = input.cookie(recentCookie(entry));
  if (!raw || raw.length > 3000) return [];
  return raw
    .split(' ')
    .map((v) => {
      try {
        return decodeURIComponent(v);
      } catch {
        return '';
      }
    })
    .filter(Boolean)
    .slice(0, RECENT);
}

export function rememberIdp(input: Pick<EndpointInput, 'cookie'>, entry: SamlEntry, entityId: string) {
  const list = [entityId, ...recentIds(input, entry).filter((e) => e !== entityId)].slice(0, RECENT);
  return { name: recentCookie(entry), value: list.map(encodeURIComponent).join(' '), maxAgeSeconds: 365 * 86400 };
}

/** The carried flow of a discovery link or search, or a refusal (forged, expired, another session's). */
export function carriedFlow(input: EndpointInput, entry: SamlEntry, keys: SecretKey[], now: Date): FlowIntent {
  const flow = decodeFlowParam(input.query.get('flow'), keys, now, input.sessionId);
  if (!flow)
    throw new LanyardError('SAML_FLOW_INVALID', 'The choice of institution does not belong to this sign-in.', {
      provider: entry.label.en,
      idp: entry.label.en,
    });
  return flow;
}

interface DiscoveryDeps {
  db: Db;
  clock: Clock;
  keys: SecretKey[];
}

/**
 * The discovery page (`/auth/{id}/discovery`) and its type-ahead (`…/discovery/idps`): the IdPs
 * chosen before on this device, then a search over names, domains and scopes. Links go to
 * `/auth/{id}/choose`, which remembers the choice and sends the AuthnRequest.
 */
export async function discoveryAnswer(
  deps: DiscoveryDeps,
  entry: SamlEntry,
  input: EndpointInput,
  json: boolean,
): Promise<EndpointAnswer> {
  const { returnTo } = carriedFlow(input, entry, deps.keys, deps.clock.now());
  const flow = input.query.get('flow')!;
  const query = (input.query.get('q') ?? '').slice(0, 200).trim();
  const total = await countIdps(deps.db, entry.id);
  const results =
    query || (total > 0 && total <= DISCOVERY_LIMIT)
      ? await searchIdps(deps.db, entry.id, query, DISCOVERY_LIMIT, deps.clock.now())
      : null;
  const startPath = `/auth/${entry.id}/choose`;
  const { t, locale } = input;
  if (json) {
    const status =
      results === null
        ? t('saml.discovery.typeToSearch', { count: total })
        : results.total === 0
          ? t('saml.discovery.none', { q: query })
          : results.total === 1
            ? t('saml.discovery.one', { q: query })
            : t('saml.discovery.many', { count: results.total, q: query });
    return {
      kind: 'document',
      status: 200,
      type: 'application/json',
      body: JSON.stringify({
        html: (results?.idps ?? [])
          .map((idp) => String(idpItem(idp, idpHref(startPath, idp.entityId, flow), locale)))
          .join(''),
        status,
        more:
          results && results.total > results.idps.length
            ? t('saml.discovery.more', { shown: results.idps.length })
            : null,
      }),
    };
  }
  const recent: IdpListing[] = [];
  for (const entityId of recentIds(input, entry)) {
    const idp = await findIdp(deps.db, entry.id, entityId);
    if (idp && !idpExpired(idp, deps.clock.now()))
      recent.push({ entityId: idp.entityId, names: idp.names, logo: idp.logo, domains: idp.domains });
  }
  return {
    kind: 'page',
    // Logos in federation metadata are https URLs of the institutions (typed-ahead results too).
    externalImages: true,
    returnTo,
    title: t('saml.discovery.title'),
    main: discoveryMain(
      {
        federation: entry.label[locale as 'de'] ?? entry.label.en,
        startPath,
        searchPath: `/auth/${entry.id}/discovery`,
        flow,
        query,
        total,
        results,
        recent,
      },
      t,
      locale,
    ),
  };
}
