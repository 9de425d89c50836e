import type { Account as OidcAccount, FindAccount } from 'oidc-provider';
import type { Db } from '../db/connect.js';
import { canSignIn, findAccountById, isUuid } from '../stores/accounts.js';
import { identityOf } from '../stores/identities.js';

/** Which claims each scope releases. `orcid` also comes with `profile`: Invenio asks for no more. */
export const scopeClaims = {
  // `amr` comes from the sign-in (pwd, orcid, …), not the account; listed so the ID token carries it.
  openid: ['sub', 'amr'],
  email: ['email', 'email_verified'],
  profile: ['name', 'given_name', 'family_name', 'locale', 'orcid'],
  orcid: ['orcid'],
} as const;

/**
 * The claims of an account, or nothing for an account that may not sign in (disabled, or no longer
 * there): oidc-provider then refuses its codes, refresh tokens and userinfo, so an old grant stops
 * working the moment the account does.
 *
 * - `sub` is the account id: stable, never reused, the same for every client.
 * - `email` only when the address is verified: DSpace and others match accounts by the email claim
 *   alone, so an unverified address would hand over whoever's repository account uses it.
 * - `orcid` only from an ORCID identity, which exists only after ORCID itself authenticated the iD.
 */
export async function accountClaims(db: Db, accountId: string): Promise<Record<string, unknown> | undefined> {
  const account = isUuid(accountId) ? await findAccountById(db, accountId) : undefined;
  if (!account || !canSignIn(account)) return undefined;
  // Not displayNameOf: its last resort is the email, which must not leak unverified through `name`.
  const name = account.display_name || [account.given_name, account.family_name].filter(Boolean).join(' ');
  const orcid = await identityOf(db, account.id, 'orcid');
  return {
    sub: account.id,
    ...(account.email_verified_at ? { email: account.email, email_verified: true } : {}),
    ...(name ? { name } : {}),
    ...(account.given_name ? { given_name: account.given_name } : {}),
    ...(account.family_name ? { family_name: account.family_name } : {}),
    ...(account.locale ? { locale: account.locale } : {}),
    ...(orcid ? { orcid: `${orcid.issuer ?? 'https://orcid.org'}/${orcid.subject}` } : {}),
  };
}

/** oidc-provider's `findAccount` hook over Lanyard's accounts. */
export function findAccount(db: Db): FindAccount {
  return async (_ctx, sub): Promise<OidcAccount | undefined> => {
    const claims = await accountClaims(db, sub);
    return claims ? { accountId: sub, claims: () => claims as { sub: string } } : undefined;
  };
}
