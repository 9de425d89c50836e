import { type Selectable, sql } from 'kysely';
import type { Db } from '../../db/connect.js';
import { LanyardError } from '../../errors.js';
import { nameIn } from '../../i18n/index.js';
import type { SamlIdpTable } from '../../db/schema.js';
import type { IdpRecord } from './metadata/parse.js';
import { hiddenFromDiscovery } from './metadata/parse.js';

/** One IdP of an entry, as the sign-in and the discovery page use it. */
export interface Idp extends IdpRecord {
  hidden: boolean;
}

/** The IdP's name in `locale` (or a regional variant), else English, else any, else its entityID. */
export function idpName(idp: Pick<IdpRecord, 'names' | 'entityId'>, locale: string): string {
  return (
    nameIn(idp.names, locale) ?? nameIn(idp.names, 'en') ?? idp.names[''] ?? Object.values(idp.names)[0] ?? idp.entityId
  );
}

/** The discovery page searches one lower-cased string: names, domain hints, scopes, entityID's host. */
function searchText(idp: IdpRecord): string {
  let host = '';
  try {
    host = new URL(idp.entityId).hostname;
  } catch {
    /* a URN entityID */
  }
  const names = [...new Set([idp.names.en ?? idpName(idp, 'en'), ...Object.values(idp.names)])];
  return [...names, ...idp.domains, ...idp.scopes.filter((s) => !s.regexp).map((s) => s.value), host]
    .join(' | ')
    .toLowerCase();
}

export async function insertIdps(db: Db, provider: string, idps: IdpRecord[]): Promise<void> {
  if (idps.length === 0) return;
  await db
    .insertInto('saml_idp')
    .values(
      idps.map((idp) => ({
        provider,
        entity_id: idp.entityId,
        names: JSON.stringify(idp.names),
        search: searchText(idp),
        logo: idp.logo,
        scopes: JSON.stringify(idp.scopes),
        domains: JSON.stringify(idp.domains),
        sso_redirect: idp.ssoRedirect,
        sso_post: idp.ssoPost,
        signing_certs: JSON.stringify(idp.signingCerts),
        name_id_formats: JSON.stringify(idp.nameIdFormats),
        categories: JSON.stringify(idp.categories),
        registration_authority: idp.registrationAuthority,
        hidden: hiddenFromDiscovery(idp),
        valid_until: idp.validUntil ?? null,
      })),
    )
    // An aggregate listing one entityID twice: the first wins, as in Shibboleth's metadata resolver.
    .onConflict((oc) => oc.columns(['provider', 'entity_id']).doNothing())
    .execute();
}

export async function deleteIdps(db: Db, provider: string): Promise<void> {
  await db.deleteFrom('saml_idp').where('provider', '=', provider).execute();
}

type Row = Selectable<SamlIdpTable>;

function fromRow(row: Row): Idp {
  return {
    entityId: row.entity_id,
    names: row.names,
    logo: row.logo,
    scopes: row.scopes,
    domains: row.domains,
    ssoRedirect: row.sso_redirect,
    ssoPost: row.sso_post,
    signingCerts: row.signing_certs,
    nameIdFormats: row.name_id_formats,
    categories: row.categories,
    registrationAuthority: row.registration_authority,
    hidden: row.hidden,
    validUntil: row.valid_until,
  };
}

/**
 * Whether the metadata that vouches for `idp` has run out (its validUntil passed): a federation
 * that drops an IdP or replaces its key publishes a new copy, and a copy that could not be
 * refreshed in time is no longer one to trust (Lanyard keeps it only to say what it was).
 */
export const idpExpired = (idp: Pick<Idp, 'validUntil'>, now: Date): boolean =>
  idp.validUntil !== null && idp.validUntil !== undefined && idp.validUntil.getTime() <= now.getTime();

/** The refusal for an IdP whose metadata ran out: the operator's to fix (`npx lanyard saml refresh`). */
export const metadataExpired = (label: string, idp: Pick<Idp, 'entityId' | 'validUntil'>) =>
  new LanyardError(
    'SAML_METADATA_EXPIRED',
    `The metadata that vouches for ${idp.entityId} expired at ${idp.validUntil!.toISOString()} and no current copy could be loaded.`,
    { provider: label, idp: idp.entityId },
  );

export async function findIdp(db: Db, provider: string, entityId: string): Promise<Idp | null> {
  const row = await db
    .selectFrom('saml_idp')
    .selectAll()
    .where('provider', '=', provider)
    .where('entity_id', '=', entityId)
    .executeTakeFirst();
  return row ? fromRow(row) : null;
}

export async function countIdps(db: Db, provider: string): Promise<number> {
  const row = await db
    .selectFrom('saml_idp')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('provider', '=', provider)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The only IdP of an entry, or null when it has none or several. */
export async function soleIdp(db: Db, provider: string): Promise<Idp | null> {
  const rows = await db.selectFrom('saml_idp').selectAll().where('provider', '=', provider).limit(2).execute();
  return rows.length === 1 ? fromRow(rows[0]!) : null;
}

export interface IdpListing {
  entityId: string;
  names: Record<string, string>;
  logo: string | null;
  domains: string[];
}

/**
 * IdPs whose names, domains or scopes contain every word of `query` (case-insensitive), names
 * starting with the first word first, then alphabetically; without a query, the first ones
 * alphabetically. Hidden IdPs (hide-from-discovery) are found only by an exact domain or entityID.
 * On PostgreSQL a trigram index (migration 0025) answers selective words without reading every
 * IdP; docs/performance.md has the figures for 10,000 IdPs.
 */
export async function searchIdps(
  db: Db,
  provider: string,
  query: string,
  limit: number,
  now?: Date,
): Promise<{ idps: IdpListing[]; total: number }> {
  const phrase = query.toLowerCase().replace(/\s+/g, ' ').trim();
  const words = phrase.split(' ').filter(Boolean).slice(0, 6);
  const esc = (w: string) => w.replace(/[\\%_]/g, (c) => `\\${c}`);
  let q = db.selectFrom('saml_idp').where('provider', '=', provider);
  for (const w of words) q = q.where('search', 'like', `%${esc(w)}%`);
  if (now) q = q.where((eb) => eb.or([eb('valid_until', 'is', null), eb('valid_until', '>', now)]));
  const exact = query.trim();
  q = q.where((eb) =>
    eb.or([eb('hidden', '=', false), eb('entity_id', '=', exact), sql<boolean>`domains ? ${exact.toLowerCase()}`]),
  );
  // The whole query as a name's start first, then as whole words, then anywhere; shorter names first.
  const p = esc(phrase);
  const rank = (column: string) =>
    sql`case when ${sql.ref(column)} like ${`${p}%`} then 0 when ${sql.ref(column)} like ${`% ${p} %`} then 1 when ${sql.ref(column)} like ${`%${p}%`} then 2 else 3 end`;
  // One scan finds the page and counts all matches (a window count); only the page's rows are
  // then read in full (names, logo, domains), not every match's.
  const rows = await db
    .with('page', () =>
      q
        .select(['entity_id', 'search', sql<string>`count(*) over ()`.as('total')])
        // Without a query every name "starts with" it: plain alphabetical order.
        .$if(phrase !== '', (o) => o.orderBy(rank('search')).orderBy(sql`length(search)`))
        .orderBy('search')
        .limit(limit),
    )
    .selectFrom('page')
    .innerJoin('saml_idp as i', (join) =>
      join.onRef('i.entity_id', '=', 'page.entity_id').on('i.provider', '=', provider),
    )
    .select(['i.entity_id', 'i.names', 'i.logo', 'i.domains', 'page.total'])
    .$if(phrase !== '', (o) => o.orderBy(rank('page.search')).orderBy(sql`length(page.search)`))
    .orderBy('page.search')
    .execute();
  return {
    idps: rows.map((r) => ({ entityId: r.entity_id, names: r.names, logo: r.logo, domains: r.domains })),
    total: Number(rows[0]?.total ?? 0),
  };
}
