import { X509Certificate } from 'node:crypto';
import { loadConfig } from '../../config/load.js';
import type { Config } from '../../config/schema.js';
import { systemClock } from '../../clock.js';
import { isLanyardError } from '../../errors.js';
import { createProviders } from '../../providers/registry.js';
import { type Command, expectArgs, say } from '../command.js';

const MASK = '********';
const secretName = /secret|password|token|privateKey/i;
/** A PEM certificate (a SAML entry's) is shown by its fingerprint, not 30 lines of base64. */
const certificateName = /certificate$/i;

/** A URL with its password (if any) masked: postgres://lanyard:********@db/lanyard. */
function maskUrl(value: string): string {
  try {
    const url = new URL(value);
    if (!url.password) return value;
    url.password = MASK;
    return url.href.replace(encodeURIComponent(MASK), MASK);
  } catch {
    return value;
  }
}

function fingerprint(pem: string): string {
  try {
    return new X509Certificate(pem).fingerprint256;
  } catch {
    return '(unreadable)';
  }
}

/** The effective settings as `name value` rows, nested names dotted, every secret masked. */
export function describeConfig(config: Config): [string, string][] {
  const rows: [string, string][] = [];
  const walk = (value: unknown, name: string): void => {
    if (name === 'secretKeys') {
      const [current, ...previous] = config.secretKeys;
      rows.push([
        name,
        `${MASK} (current key id ${current?.id}${previous.length ? `; previous: ${previous.map((k) => k.id).join(', ')}` : ''})`,
      ]);
    } else if (value === null || value === undefined) rows.push([name, '(none)']);
    else if (Array.isArray(value) && value.some((v) => typeof v === 'object' && v !== null))
      value.forEach((v, i) => walk(v, `${name}[${i}]`));
    else if (Array.isArray(value)) rows.push([name, value.length ? value.join(' ') : '(none)']);
    else if (typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, name ? `${name}.${k}` : k);
    else if (typeof value === 'string' && certificateName.test(name) && value.includes('-----BEGIN'))
      rows.push([name, `PEM certificate, SHA-256 ${fingerprint(value)}`]);
    else if (typeof value === 'string') rows.push([name, secretName.test(name) && value ? MASK : maskUrl(value)]);
    else rows.push([name, String(value)]);
  };
  walk(config, '');
  return rows;
}

/** `config check`: validates the configuration and prints what Lanyard would run with. */
export const configCheck: Command = {
  usage: 'config check',
  summary:
    'Validate the configuration, print the effective settings (secrets masked) and each provider’s redirect URI.',
  async run(args, io) {
    expectArgs(args, []);
    let config: Config;
    try {
      config = loadConfig(io.env);
    } catch (e) {
      if (!isLanyardError(e)) throw e;
      say(io.stderr, `Configuration is invalid: ${e.message}`);
      return 1;
    }
    const rows = describeConfig(config);
    const width = Math.max(...rows.map(([name]) => name.length));
    say(
      io.stdout,
      'Configuration is valid.',
      '',
      ...rows.map(([name, value]) => `  ${name.padEnd(width)}  ${value}`),
      '',
    );
    const providers = createProviders(config.providers, { publicUrl: config.publicUrl, clock: systemClock });
    if (!providers.list.length)
      say(io.stdout, 'No sign-in providers are configured (only passwords): no redirect URI to register.');
    for (const p of providers.list)
      say(io.stdout, `Provider "${p.id}" (${p.type}, ${p.label('en')}):`, ...p.describe(), '');
    return 0;
  },
};
