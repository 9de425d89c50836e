import type { Static } from 'typebox';
import type { Config, RegistrationType } from '../../config/schema.js';
import type { Account, Identity, Registration } from '../../db/schema.js';
import type { Lanyard } from '../../lanyard.js';
import { canSignIn, displayNameOf } from '../../stores/accounts.js';
import { listIdentities } from '../../stores/identities.js';
import type { AuthnStatus, EPersonRest, RegistrationRest } from './schemas.js';

/** An account with its identities: what an EPerson resource is made of. */
export interface AccountView {
  account: Account;
  identities: Identity[];
}

/** Reads the identities an EPerson resource shows (the one read the builders below need). */
export async function accountView(lanyard: Lanyard, account: Account): Promise<AccountView> {
  return { account, identities: await listIdentities(lanyard.db, account.id) };
}

/**
 * DSpace names the external registration types after ORCID (RegistrationTypeEnum: ORCID,
 * VALIDATION_ORCID); its UI switches on those names (AuthRegistrationType), so the API reports them.
 * Other providers have no DSpace name and keep Lanyard's.
 */
function registrationType(reg: Registration): Static<typeof RegistrationRest>['registrationType'] {
  const orcid: Partial<Record<RegistrationType, 'ORCID' | 'VALIDATION_ORCID'>> = {
    EXTERNAL: 'ORCID',
    VALIDATION: 'VALIDATION_ORCID',
  };
  return (reg.provider === 'orcid' ? orcid[reg.type] : undefined) ?? reg.type;
}

const href = (config: Config, path: string) => ({ href: `${config.publicUrl}/api/${path}` });

/** DSpace's MetadataValueRest; Lanyard keeps no language, authority or confidence (-1 = none in DSpace). */
const metadataValue = (value: string, place: number) => ({
  value,
  language: null,
  authority: null,
  confidence: -1,
  place,
});

type Fields = Record<string, (string | null | undefined)[]>;

function metadataOf(fields: Fields, overrides: Record<string, string | null | undefined> = {}) {
  const out: Record<string, (ReturnType<typeof metadataValue> & { overrides?: string })[]> = {};
  for (const [key, values] of Object.entries(fields)) {
    const present = values.filter((v): v is string => typeof v === 'string' && v !== '');
    const current = overrides[key];
    if (present.length)
      out[key] = present.map((v, place) => ({
        ...metadataValue(v, place),
        ...(current ? { overrides: current } : {}),
      }));
  }
  return out;
}

const orcidOf = (identities: Identity[]) => identities.find((i) => i.provider === 'orcid');

/** The DSpace fields of an account: names, and the ORCID iD with its granted scopes when linked. */
function accountFields(view: AccountView): Fields {
  const orcid = orcidOf(view.identities);
  return {
    'eperson.firstname': [view.account.given_name],
    'eperson.lastname': [view.account.family_name],
    'eperson.orcid': [orcid?.subject],
    'eperson.orcid.scope': orcid?.profile.scopes ?? [],
  };
}

/**
 * DSpace's RegistrationRest (DSpace §1.3, RegistrationDataConverter): the received values as
 * registration metadata; when an account owns the registration's email (`user`), each single-valued
 * field carries that account's current value as `overrides`, plus a synthetic `email` entry.
 * `provider` (Lanyard's addition) names the provider whose identity the registration links.
 */
export function registrationJson(
  config: Config,
  reg: Registration,
  user: AccountView | null,
  provider: { id: string; label: string } | null = null,
): Static<typeof RegistrationRest> {
  const p = reg.profile;
  const fields: Fields = {
    'eperson.firstname': [p.givenName],
    'eperson.lastname': [p.familyName],
    'eperson.orcid': [reg.provider === 'orcid' ? reg.subject : null],
    'eperson.orcid.scope': p.scopes ?? [],
  };
  let overrides: Record<string, string | null | undefined> = {};
  if (user) {
    const current = accountFields(user);
    // DSpace sets `overrides` only where the account has exactly one value (groupEpersonMetadataByRegistrationData).
    overrides = Object.fromEntries(Object.entries(current).map(([k, v]) => [k, v.length === 1 ? v[0] : null]));
    if (reg.email) {
      fields.email = [reg.email];
      overrides.email = user.account.email;
    }
  }
  return {
    id: reg.id,
    email: reg.email,
    user: user?.account.id ?? null,
    registrationType: registrationType(reg),
    netId: reg.subject,
    registrationMetadata: metadataOf(fields, overrides),
    // Not DSpace's: which provider the registration links (a UI names it: "Finish signing in with …").
    ...(provider ? { provider } : {}),
    type: 'registration',
    _links: { self: href(config, `eperson/registrations/${reg.id}`) },
  };
}

/** DSpace's EPersonRest: `netid` is the linked ORCID iD (DSpace stores it there, DSpace §3.1). */
export function epersonJson(config: Config, view: AccountView): Static<typeof EPersonRest> {
  const { account } = view;
  return {
    id: account.id,
    uuid: account.id,
    name: displayNameOf(account),
    handle: null,
    metadata: metadataOf(accountFields(view)),
    netid: orcidOf(view.identities)?.subject ?? null,
    canLogIn: canSignIn(account),
    email: account.email,
    requireCertificate: false,
    selfRegistered: account.self_registered,
    type: 'eperson',
    _links: { self: href(config, `eperson/epersons/${account.id}`) },
  };
}

/** DSpace's AuthenticationStatusRest, the signed-in account embedded as DSpace does. */
export function statusJson(config: Config, view: AccountView | null): Static<typeof AuthnStatus> {
  const self = href(config, 'authn/status');
  if (!view) return { okay: true, authenticated: false, type: 'status', _links: { self } };
  return {
    okay: true,
    authenticated: true,
    type: 'status',
    _links: { self, eperson: href(config, `eperson/epersons/${view.account.id}`) },
    _embedded: { eperson: epersonJson(config, view) },
  };
}
