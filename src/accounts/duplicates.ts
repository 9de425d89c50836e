import { sql } from 'kysely';
import type { Db } from '../db/connect.js';
import type { Account } from '../db/schema.js';
import { orcidIdInAnyForm } from './orcid-id.js';

/** How many groups of each kind the report shows; the operator merges some and looks again. */
export const DUPLICATES_LIMIT = 100;
/** How many identities with an ORCID hint one report reads (newest first). */
const HINTS_READ = 2000;

export type DuplicateReason = 'email' | 'orcid' | 'name';

/** Active accounts that look like one person, and what they share. The oldest account comes first. */
export interface DuplicateGroup {
  reason: DuplicateReason;
  /** The shared address, ORCID iD or name. */
  shared: string;
  accounts: Account[];
}

/**
 * The "possible duplicates" report: active accounts that share a verified email (one account's
 * address released as verified by a provider of another, or by two providers of two accounts), an
 * ORCID iD (one account's ORCID identity asserted as a hint — SAML eduPersonOrcid, an OpenID
 * Connect `orcid` claim — by an institution on another, or hinted on two), or a name (given and
 * family, case-insensitive). Each kind at most DUPLICATES_LIMIT groups, each query on an index
 * (migration 0040). A hint is only a hint: the report shows it, an operator decides.
 */
export async function possibleDuplicates(db: Db): Promise<DuplicateGroup[]> {
  const [email, orcid, name] = await Promise.all([byEmail(db), byOrcid(db), byName(db)]);
  const ids = [...new Set([...email, ...orcid, ...name].flatMap((g) => g.ids))];
  if (!ids.length) return [];
  const accounts = new Map(
    (await db.selectFrom('account').selectAll().where('id', 'in', ids).execute()).map((a) => [a.id, a]),
  );
  const groups: DuplicateGroup[] = [];
  for (const [reason, found] of [
    ['email', email],
    ['orcid', orcid],
    ['name', name],
  ] as const)
    for (const g of found) {
      const members = g.ids
        .map((id) => accounts.get(id))
        .filter((a): a is Account => a !== undefined && a.status === 'active')
        .sort((a, b) => a.created_at.getTime() - b.created_at.getTime());
      if (members.length < 2) continue;
      // Names are grouped lower-cased; shown as the oldest account spells them.
      const shared = reason === 'name' ? `${members[0]!.given_name} ${members[0]!.family_name}` : g.shared;
      groups.push({ reason, shared, accounts: members });
    }
  return groups;
}

interface Found {
  shared: string;
  ids: string[];
}

/** Groups (shared value, account id) pairs by value, keeping values seen on two accounts or more. */
function group(pairs: { shared: string; id: string }[]): Found[] {
  const by = new Map<string, Set<string>>();
  for (const p of pairs) by.set(p.shared, (by.get(p.shared) ?? new Set()).add(p.id));
  return [...by]
    .filter(([, ids]) => ids.size > 1)
    .slice(0, DUPLICATES_LIMIT)
    .map(([shared, ids]) => ({ shared, ids: [...ids] }));
}

async function byEmail(db: Db): Promise<Found[]> {
  // A provider's verified address that is another account's own (the unique account_email index).
  const onAccount = await db
    .selectFrom('identity as i')
    .innerJoin('account as a', 'a.email', 'i.email')
    .select(['i.email as shared', 'i.account_id as other', 'a.id as id'])
    .where('i.email_verified', '=', true)
    .whereRef('a.id', '!=', 'i.account_id')
    .where('a.status', '=', 'active')
    .limit(DUPLICATES_LIMIT * 4)
    .execute();
  // The same verified address from providers of two accounts (identity_verified_email).
  const onIdentities = await db
    .selectFrom('identity as i')
    .innerJoin('identity as j', (join) =>
      join.onRef('j.email', '=', 'i.email').onRef('j.account_id', '>', 'i.account_id'),
    )
    .select(['i.email as shared', 'i.account_id as other', 'j.account_id as id'])
    .where('i.email_verified', '=', true)
    .where('j.email_verified', '=', true)
    .limit(DUPLICATES_LIMIT * 4)
    .execute();
  return group(
    [...onAccount, ...onIdentities].flatMap((r) => [
      { shared: r.shared!, id: r.id },
      { shared: r.shared!, id: r.other },
    ]),
  );
}

async function byOrcid(db: Db): Promise<Found[]> {
  // Identities carrying an ORCID hint, newest first (the partial identity_orcid_hint index).
  const hinted = await db
    .selectFrom('identity')
    .select(['account_id', sql<string>`profile->'hints'->>'orcid'`.as('hint')])
    .where(sql<string>`profile->'hints'->>'orcid'`, 'is not', null)
    .orderBy('created_at', 'desc')
    .limit(HINTS_READ)
    .execute();
  const pairs = hinted.flatMap((h) => {
    const iD = orcidIdInAnyForm(h.hint);
    return iD ? [{ shared: iD, id: h.account_id }] : [];
  });
  if (!pairs.length) return [];
  // The accounts holding those iDs as ORCID identities (identity_provider_subject).
  const holders = await db
    .selectFrom('identity')
    .select(['subject as shared', 'account_id as id'])
    .where('provider', '=', 'orcid')
    .where('subject', 'in', [...new Set(pairs.map((p) => p.shared))])
    .execute();
  return group([...holders, ...pairs]);
}

async function byName(db: Db): Promise<Found[]> {
  // Names given on two active accounts or more (account_names, on the lower-cased pair).
  const shared = await db
    .selectFrom('account')
    .select([
      sql<string>`lower(given_name)`.as('given'),
      sql<string>`lower(family_name)`.as('family'),
      sql<string[]>`array_agg(id::text order by created_at)`.as('ids'),
    ])
    .where('status', '=', 'active')
    .where('given_name', 'is not', null)
    .where('family_name', 'is not', null)
    .groupBy([sql`lower(family_name)`, sql`lower(given_name)`])
    .having(sql`count(*)`, '>', 1)
    .orderBy(sql`lower(family_name)`)
    .limit(DUPLICATES_LIMIT)
    .execute();
  return shared.map((r) => ({ shared: `${r.given} ${r.family}`, ids: r.ids }));
}
