import type { Account as OidcAccount, FindAccount } from 'oidc-provider';
import type { Config } from '../config/schema.js';
import type { Db } from '../db/connect.js';
import { canSignIn, isUuid } from '../stores/accounts.js';
import { findAccountWithIdentities } from '../stores/identities.js';
import { type ClaimsAccount, takeRequestAccount } from '../stores/oidc-payloads.js';

/**
 * Which claims each scope releases. `orcid` also comes with `profile`: Invenio asks for no more.
 * `eduperson_scoped_affiliation` has its own scope (as REFEDS names it): an institution's word on
 * someone's role goes only to a client that asks for it.
 */
export const scopeClaims = {
  // `amr` comes from the sign-in (pwd, orcid, …), not the account; listed so the ID token carries it.
  openid: ['sub', 'amr'],
  email: ['email', 'email_verified'],
  profile: ['name', 'given_name', 'family_name', 'preferred_username', 'locale', 'orcid'],
  orcid: ['orcid'],
  eduperson_scoped_affiliation: ['eduperson_scoped_affiliation'],
} as const;

/**
 * The scope a repository asks for to use `/api/orcid/…` for a researcher: every client asks the
 * person before it is granted (src/openid-provider/routes.ts).
 */
export const ORCID_WORKS_SCOPE = 'orcid.works';

/** The scopes a person is told about, in this order (consent page, connected applications on /profile). */
export const consentScopes = [
  'openid',
  'email',
  'profile',
  'orcid',
  'eduperson_scoped_affiliation',
  'orcid.works',
  'offline_access',
] as const;
export type ConsentScope = (typeof consentScopes)[number];

/** The providers whose released affiliation Lanyard passes on: SAML IdPs, directly or through a Shibboleth SP. */
const affiliationSources = new Set(['saml', 'shibboleth-headers']);

/** `value@scope`, the scope a domain (what the SAML providers already checked against the IdP's metadata). */
const scopedAffiliation = /^[a-z-]{1,40}@[a-z0-9.-]{1,253}$/i;

/**
 * The claims of an account, or nothing for an account that may not sign in (disabled, or no longer
 * there): oidc-provider then refuses its codes, refresh tokens and userinfo, so an old grant stops
 * working the moment the account does.
 *
 * - `sub` is the account id: stable, never reused (a client registered for pairwise subjects gets
 *   a value of its own instead, src/openid-provider/pairwise.ts).
 * - `email` only when the address is verified: DSpace and others match accounts by the email claim
 *   alone, so an unverified address would hand over whoever's repository account uses it.
 * - `orcid` only from an ORCID identity, which exists only after ORCID itself authenticated the iD
 *   (an iD an institution released is a hint, never this claim).
 * - `preferred_username` is the bare ORCID iD, for the same reason and only then. Lanyard accounts
 *   have no username of their own, and the alternatives are unsafe: clients that create accounts
 *   from it (Dataverse, Invenio) would give `alice@a.example` and `alice@b.example` the same name
 *   from an email's local part, and would show an address that may not be verified.
 * - `eduperson_scoped_affiliation`: what the person's institutions released at their latest
 *   sign-in (each SAML identity's stored profile), already checked against each IdP's scopes.
 */
export async function accountClaims(
  db: Db,
  config: Pick<Config, 'providers'>,
  accountId: string,
): Promise<Record<string, unknown> | undefined> {
  const account = isUuid(accountId) ? (takeRequestAccount(accountId) ?? (await readAccount(db, accountId))) : undefined;
  if (!account || !canSignIn(account)) return undefined;
  // Not displayNameOf: its last resort is the email, which must not leak unverified through `name`.
  const name = account.display_name || [account.given_name, account.family_name].filter(Boolean).join(' ');
  const { identities } = account;
  // Only an identity of an ORCID entry is an iD ORCID authenticated (never another IdP's claim).
  const orcidEntries = new Set(config.providers.filter((p) => p.type === 'orcid').map((p) => p.id));
  const orcid = identities.find((i) => orcidEntries.has(i.provider));
  const sources = new Set(config.providers.filter((p) => affiliationSources.has(p.type)).map((p) => p.id));
  const affiliations = [
    ...new Set(
      identities
        .filter((i) => sources.has(i.provider))
        .flatMap((i) => (i.profile.hints?.affiliation ?? '').split(' '))
        .filter((a) => scopedAffiliation.test(a)),
    ),
  ];
  return {
    sub: account.id,
    ...(account.email_verified ? { email: account.email, email_verified: true } : {}),
    ...(name ? { name } : {}),
    ...(account.given_name ? { given_name: account.given_name } : {}),
    ...(account.family_name ? { family_name: account.family_name } : {}),
    ...(orcid ? { preferred_username: orcid.subject } : {}),
    ...(account.locale ? { locale: account.locale } : {}),
    ...(orcid ? { orcid: `${orcid.issuer ?? 'https://orcid.org'}/${orcid.subject}` } : {}),
    ...(affiliations.length ? { eduperson_scoped_affiliation: affiliations } : {}),
  };
}

/** The account and its identities, read on their own (when the provider request did not read them already). */
async function readAccount(db: Db, accountId: string): Promise<ClaimsAccount | undefined> {
  const account = await findAccountWithIdentities(db, accountId);
  return account && { ...account, email_verified: account.email_verified_at !== null };
}

/** oidc-provider's `findAccount` hook over Lanyard's accounts. */
export function findAccount(db: Db, config: Pick<Config, 'providers'>): FindAccount {
  return async (_ctx, sub): Promise<OidcAccount | undefined> => {
    const claims = await accountClaims(db, config, sub);
    return claims ? { accountId: sub, claims: () => claims as { sub: string } } : undefined;
  };
}
