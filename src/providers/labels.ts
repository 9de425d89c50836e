/** How a provider is named to people (pages, mails). */
export function providerLabel(provider: string): string {
  if (provider === 'orcid') return 'ORCID iD';
  if (provider === 'password') return 'Password';
  const [kind, name] = provider.split(':');
  return name ? `${name} (${kind?.toUpperCase()})` : provider;
}

/** How an identity is written to people: an ORCID iD as its full URL (ORCID's display guidelines). */
export function identifierOf(provider: string, subject: string, issuer?: string | null): string {
  return provider === 'orcid' && issuer ? `${issuer}/${subject}` : subject;
}
