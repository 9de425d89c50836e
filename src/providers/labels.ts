/** How a provider is named to people (pages, mails). */
export function providerLabel(provider: string): string {
  if (provider === 'orcid') return 'ORCID iD';
  if (provider === 'password') return 'Password';
  const [kind, name] = provider.split(':');
  return name ? `${name} (${kind?.toUpperCase()})` : provider;
}
