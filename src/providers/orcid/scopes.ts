import type { MessageKey, Translate } from '../../i18n/index.js';

/**
 * ORCID's scopes in plain words, one sentence each (ORCID's own descriptions of what a trusted
 * party may do, docs/design.md, ORCID §1.3). `/read-limited` covers its two parts, so they are not
 * repeated; `openid` and `/authenticate` say the same.
 */
const sentences: Record<string, MessageKey> = {
  openid: 'orcid.scope.authenticate',
  '/authenticate': 'orcid.scope.authenticate',
  '/read-public': 'orcid.scope.readPublic',
  '/read-limited': 'orcid.scope.readLimited',
  '/person/read-limited': 'orcid.scope.personReadLimited',
  '/activities/read-limited': 'orcid.scope.activitiesReadLimited',
  '/activities/update': 'orcid.scope.activitiesUpdate',
  '/person/update': 'orcid.scope.personUpdate',
};

/** One sentence per thing the scopes allow, in a stable order, without repeats. */
export function accessSentences(scopes: readonly string[], t: Translate): string[] {
  const held = scopes.includes('/read-limited')
    ? scopes.filter((s) => s !== '/person/read-limited' && s !== '/activities/read-limited')
    : scopes;
  const keys = Object.entries(sentences)
    .filter(([scope]) => held.includes(scope))
    .map(([, key]) => key);
  return [...new Set(keys)].map((k) => t(k));
}

/** The same as one line of a mail; "nothing" when no scope is held. */
export function describeAccess(scopes: readonly string[], t: Translate): string {
  const lines = accessSentences(scopes, t);
  return lines.length ? lines.join(' ') : t('orcid.scope.none');
}
