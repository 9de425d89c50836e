/** The ISO 7064 11,2 check character of an ORCID iD's first 15 digits. */
function checkCharacter(digits15: string): string {
  let total = 0;
  for (const d of digits15) total = (total + Number(d)) * 2;
  const check = (12 - (total % 11)) % 11;
  return check === 10 ? 'X' : String(check);
}

/**
 * An ORCID iD as stored (`0000-0002-1825-0097`), from the bare iD or its https://orcid.org/ URI
 * (sandbox too). The last character is an ISO 7064 11,2 check digit (ORCID's "Structure of the
 * ORCID Identifier"), so a mistyped iD is named as such instead of reported as unknown.
 */
export function parseOrcidId(input: string): string | null {
  const id = input
    .trim()
    .replace(/^https?:\/\/(sandbox\.)?orcid\.org\//i, '')
    .toUpperCase();
  if (!/^\d{4}-\d{4}-\d{4}-\d{3}[\dX]$/.test(id)) return null;
  const digits = id.replace(/-/g, '');
  return digits.endsWith(checkCharacter(digits.slice(0, -1))) ? id : null;
}

/**
 * An ORCID iD in any form a person pastes into a search box: with or without hyphens or spaces,
 * as a URL (`orcid.org/…`, sandbox too, with or without the scheme), and the 15 digits without
 * the check character (which is then computed). Null when it is none of these or the check
 * character is wrong.
 */
export function orcidIdInAnyForm(input: string): string | null {
  const bare = input
    .trim()
    .replace(/^(https?:\/\/)?(www\.)?(sandbox\.)?orcid\.org\//i, '')
    .replace(/\/$/, '')
    .replace(/[\s-]/g, '')
    .toUpperCase();
  if (!/^\d{15}[\dX]?$/.test(bare)) return null;
  const digits = bare.length === 15 ? bare + checkCharacter(bare) : bare;
  return parseOrcidId(digits.replace(/^(\d{4})(\d{4})(\d{4})(\d{3}[\dX])$/, '$1-$2-$3-$4'));
}
