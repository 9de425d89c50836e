// Redirect-URI matching, as ORCID's legacy resolver did it (src@legacy
// `orcid-core/.../oauth/security/OrcidOauthRedirectResolver.java`, docs/design.md, ORCID §1.2.1):
// scheme, userinfo, host and port equal; the requested path starts with the registered path;
// the query is not compared. "Registering just the host allows any path on that host"
// (https://info.orcid.org/faq/how-do-redirect-uris-work). Production accepts only HTTPS; the
// emulator behaves like the sandbox and accepts HTTP too.

function parse(uri: string): URL | null {
  try {
    return new URL(uri);
  } catch {
    return null;
  }
}

/**
 * True when `requested` is covered by one of `registered`.
 * @example redirectUriMatches('http://localhost:3000/auth/orcid/callback', ['http://localhost:3000']) // true
 */
export function redirectUriMatches(requested: string, registered: readonly string[]): boolean {
  const want = parse(requested);
  if (!want || want.hash !== '') return false;
  return registered.some((candidate) => {
    const have = parse(candidate);
    return (
      have !== null &&
      have.protocol === want.protocol &&
      have.username === want.username &&
      have.password === want.password &&
      have.hostname === want.hostname &&
      have.port === want.port &&
      want.pathname.startsWith(have.pathname)
    );
  });
}
