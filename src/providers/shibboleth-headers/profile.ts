import type { ShibbolethHeadersEntry } from '../../config/schema.js';
import { LanyardError } from '../../errors.js';
import type { ExternalProfile } from '../profile.js';
import type { CallbackRequest } from '../provider.js';
import { inScope, scopeOf } from '../saml/scope.js';
import { formerSubjectsOf, identitySubject, type SamlSubject } from '../saml/subject.js';
import { headerValues } from './headers.js';

const subjectIdSyntax = /^[0-9a-z][-=0-9a-z]{0,126}@[0-9a-z][-.0-9a-z]{0,126}$/i;
const orcidUrl = /^https:\/\/(sandbox\.)?orcid\.org\/\d{4}-\d{4}-\d{4}-\d{3}[\dX]$/;
const spelling = (name: string) => name.toLowerCase().replace(/_/g, '-');

const invalid = (message: string, details: Record<string, unknown> = {}) =>
  new LanyardError('SHIBBOLETH_HEADERS_INVALID', message, details);

/**
 * The attribute headers must each come at most once and in their own spelling. A repeated one
 * (Node would join the copies with a comma), or one spelt with underscores (`Shib_Identity_Provider`,
 * which some servers treat as the same variable and mod_shib does not clear), means the request
 * carries headers the proxy did not write: it is refused, not guessed at.
 */
export function checkHeaderSpelling(raw: string[], entry: ShibbolethHeadersEntry): void {
  const ours = new Set([...Object.values(entry.headers), entry.secretHeader].map((n) => n.toLowerCase()));
  const lookalikes = new Set([...ours].map(spelling));
  const seen = new Set<string>();
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (ours.has(name)) {
      if (seen.has(name)) throw invalid(`The header ${raw[i]} came more than once.`, { header: raw[i] });
      seen.add(name);
    } else if (lookalikes.has(spelling(name)))
      throw invalid(`The header ${raw[i]} imitates an attribute header.`, { header: raw[i] });
  }
}

/**
 * Who mod_shib says signed in, in the shape every provider hands the broker. The same rules as a
 * SAML response: the IdP must be one the entry accepts; subject-id, pairwise-id and eppn must be
 * single values carrying a scope configured for that IdP (others are dropped and logged); a
 * persistent NameID (`NameQualifier!SPNameQualifier!value`) must name this IdP and, when set, this
 * SP. The identity is `{entityID} {kind}:{value}`, unique per (entry, IdP, identifier).
 * Emails count as verified only from IdPs listed in `trustEmailFrom`; eduPersonOrcid is a hint.
 */
export function profileFromHeaders(entry: ShibbolethHeadersEntry, request: CallbackRequest): ExternalProfile {
  checkHeaderSpelling(request.rawHeaders, entry);
  const names = entry.headers;
  const values = (name: string) => headerValues(request.headers, name);
  const idps = values(names.idp);
  if (idps.length !== 1)
    throw invalid(
      idps.length
        ? 'The sign-in names more than one institution.'
        : 'The sign-in service sent no institution: is the route protected by mod_shib?',
    );
  const idp = idps[0]!;
  const idpConfig = Object.hasOwn(entry.idps, idp) ? entry.idps[idp] : undefined;
  if (!idpConfig)
    throw new LanyardError('SAML_IDP_UNKNOWN', 'This institution is not accepted here.', { idp: idp.slice(0, 300) });
  const scopes = idpConfig.scopes.map((value) => ({ value, regexp: false }));

  const foreign: string[] = [];
  const dropped = (attribute: string, reason: string, value?: string) =>
    request.log.warn(
      { provider: entry.id, idp, attribute, ...(value ? { scope: scopeOf(value) } : {}) },
      `Shibboleth attribute dropped: ${reason}`,
    );
  const scoped = (attribute: string, list: string[]) =>
    list.filter((v) => {
      if (inScope(v, scopes)) return true;
      foreign.push(scopeOf(v));
      dropped(attribute, 'a scope the IdP is not configured for', v);
      return false;
    });
  /** A single-valued scoped identifier: several values are ambiguous and none is used. */
  const single = (attribute: string, syntax: RegExp): string | null => {
    const list = values(attribute);
    if (list.length > 1) dropped(attribute, 'several values for a single-valued identifier');
    if (list.length !== 1 || !syntax.test(list[0]!)) return null;
    return scoped(attribute, list)[0] ?? null;
  };

  const subjects: SamlSubject[] = [];
  const subjectId = single(names.subjectId, subjectIdSyntax);
  if (subjectId) subjects.push({ kind: 'subject-id', value: subjectId.toLowerCase() });
  const pairwiseId = single(names.pairwiseId, subjectIdSyntax);
  if (pairwiseId) subjects.push({ kind: 'pairwise-id', value: pairwiseId.toLowerCase() });
  const persistent = values(names.persistentId);
  if (persistent.length === 1) {
    const parts = persistent[0]!.split('!');
    const [nameQualifier, spQualifier, value] =
      parts.length === 3 ? parts : ['', '', parts.length === 1 ? parts[0] : ''];
    if (
      (nameQualifier && nameQualifier !== idp) ||
      (spQualifier && entry.spEntityId && spQualifier !== entry.spEntityId)
    )
      throw new LanyardError('SAML_NAMEID_QUALIFIER', 'The persistent identifier was issued by or for someone else.', {
        idp,
      });
    if (value) subjects.push({ kind: 'persistent', value });
    else dropped(names.persistentId, 'not NameQualifier!SPNameQualifier!value');
  } else if (persistent.length > 1) dropped(names.persistentId, 'several values for a single-valued identifier');
  const eppn = single(names.eppn, /^[^@\s]+@[^@\s]+$/);
  if (eppn)
    subjects.push({ kind: 'eppn', value: `${eppn.slice(0, eppn.lastIndexOf('@'))}@${scopeOf(eppn).toLowerCase()}` });

  if (!subjects.length) {
    if (foreign.length)
      throw new LanyardError(
        'SAML_SCOPE_FOREIGN',
        `The institution sent an identifier of another organisation (${foreign[0]}).`,
        {
          idp,
          scope: foreign[0],
        },
      );
    throw new LanyardError(
      'SAML_NO_SUBJECT',
      'The institution did not release an identifier that stays the same from one sign-in to the next.',
      { idp },
    );
  }
  const first = (name: string) => values(name)[0] ?? null;
  const verified = entry.trustEmailFrom.includes(idp);
  const orcid = values(names.orcid).find((v) => orcidUrl.test(v)) ?? null;
  const affiliations = scoped(names.affiliation, values(names.affiliation));
  return {
    provider: entry.id,
    subject: identitySubject(idp, subjects[0]!),
    formerSubjects: formerSubjectsOf(idp, subjects),
    issuer: idp,
    emails: [...new Set(values(names.mail))]
      .slice(0, 10)
      .map((address, i) => ({ address, verified, primary: i === 0 })),
    givenName: first(names.givenName),
    familyName: first(names.surname),
    displayName: first(names.displayName),
    tokens: null,
    amr: [entry.id],
    hints: {
      ...(orcid ? { orcid } : {}),
      ...(affiliations.length ? { affiliation: affiliations.slice(0, 10).join(' ') } : {}),
    },
  };
}
