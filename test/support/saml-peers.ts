import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { xmlsec1Binary } from '../../src/providers/saml/metadata/verify.js';
import { IDP_PYTHON } from './saml-idp.js';

let problem: string | false | undefined;

/**
 * Why the SAML peers (xmlsec1, Debian's python3-pysaml2) cannot run here, or false. Outside CI a
 * missing one skips the SAML suites with the reason printed; under CI=true they run and fail.
 */
export function samlPeersMissing(): string | false {
  if (problem !== undefined) return problem;
  const missing: string[] = [];
  if (spawnSync(xmlsec1Binary(), ['--version']).status !== 0) missing.push('xmlsec1');
  if (spawnSync(IDP_PYTHON, ['-c', 'import saml2']).status !== 0) missing.push(`python3-pysaml2 (for ${IDP_PYTHON})`);
  problem =
    missing.length && process.env.CI !== 'true'
      ? `not installed: ${missing.join(', ')} (apt-get install xmlsec1 python3-pysaml2; CI=true makes this a failure)`
      : false;
  return problem;
}

/** Runs `suite` when the SAML peers are installed, else records one skipped test naming what is missing. */
export function withSamlPeers(name: string, suite: () => void): void {
  const missing = samlPeersMissing();
  if (missing) test(name, { skip: missing }, () => {});
  else suite();
}
