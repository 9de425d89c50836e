import { loadConfig } from '../../config/load.js';
import { checkClientRequest, ClientInputError, type ClientRegistration } from '../../openid-provider/client-input.js';
import { OIDC_PATH } from '../../openid-provider/paths.js';
import {
  addOidcClient,
  findOidcClient,
  listOidcClients,
  type OidcClient,
  removeOidcClient,
  rotateOidcClientSecret,
} from '../../stores/oidc-clients.js';
import { type Command, expectArgs, say, UsageError } from '../command.js';
import { withDatabase } from '../database.js';

/** `--key value` and `--key=value` options; `flags` take no value. Repeated options collect. */
function parseOptions(args: string[], valued: string[], flags: string[]): Map<string, string[]> {
  const options = new Map<string, string[]>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const [key, inline] = arg.startsWith('--') ? arg.slice(2).split(/=(.*)/s, 2) : [undefined, undefined];
    if (key && flags.includes(key) && inline === undefined) options.set(key, ['']);
    else if (key && valued.includes(key)) {
      const value = inline ?? args[++i];
      if (value === undefined || value === '') throw new UsageError(`--${key} needs a value`);
      options.set(key, [...(options.get(key) ?? []), value]);
    } else throw new UsageError(`unexpected argument "${arg}"`);
  }
  return options;
}

const addUsage =
  'clients add <--name=NAME> <--redirect-uri=URI>… [--post-logout-redirect-uri=URI]… [--resource-server] [--auth=METHOD] [--pkce=required|optional] [--id-token-alg=RS256|ES256] [--subject-type=public|pairwise] [--consent] [--json]';

/** What `clients show` and `clients list --json` print: the registration, never the secret's hash. */
const describe = (c: OidcClient) => ({
  client_id: c.client_id,
  client_name: c.client_name,
  redirect_uris: c.redirect_uris,
  post_logout_redirect_uris: c.post_logout_redirect_uris ?? [],
  token_endpoint_auth_method: c.token_endpoint_auth_method,
  pkce: c.token_endpoint_auth_method === 'none' ? 'required' : (c.lanyard_pkce ?? 'optional'),
  consent: c.lanyard_first_party === false,
  id_token_alg: c.id_token_signed_response_alg ?? 'RS256',
  subject_type: c.subject_type ?? 'public',
  resource_server: c.lanyard_resource_server === true,
  created_at: new Date(c.client_id_issued_at * 1000).toISOString(),
});

/** `clients add`: registers a repository as a client of Lanyard's OpenID provider. */
export const clientsAdd: Command = {
  usage: addUsage,
  summary:
    'Register an OpenID Connect client (METHOD: client_secret_basic, client_secret_post or none; --consent: ask each person once); prints its secret once.',
  async run(args, io) {
    const options = parseOptions(
      args,
      ['name', 'redirect-uri', 'post-logout-redirect-uri', 'auth', 'pkce', 'id-token-alg', 'subject-type'],
      ['json', 'consent', 'resource-server'],
    );
    let input: ClientRegistration;
    try {
      input = checkClientRequest({
        name: options.get('name')?.at(-1),
        redirectUris: options.get('redirect-uri') ?? [],
        postLogoutRedirectUris: options.get('post-logout-redirect-uri') ?? [],
        auth: options.get('auth')?.at(-1),
        pkce: options.get('pkce')?.at(-1),
        idTokenAlg: options.get('id-token-alg')?.at(-1),
        subjectType: options.get('subject-type')?.at(-1),
        resourceServer: options.has('resource-server'),
        consent: options.has('consent'),
      });
    } catch (err) {
      if (err instanceof ClientInputError) throw new UsageError(err.message);
      throw err;
    }
    const { name, redirectUris, postLogoutRedirectUris, auth, pkce, idTokenAlg, subjectType, resourceServer } = input;
    const config = loadConfig(io.env);
    const issuer = `${config.publicUrl}${OIDC_PATH}`;
    return withDatabase(config, async (db) => {
      const { client, secret } = await addOidcClient(db, input, new Date());
      if (options.has('json')) {
        say(io.stdout, JSON.stringify({ client_id: client.client_id, client_secret: secret, issuer }));
      } else {
        say(
          io.stdout,
          `Client "${name}" registered.`,
          `  issuer         ${issuer}`,
          `  client id      ${client.client_id}`,
          secret
            ? `  client secret  ${secret}   (shown only now: Lanyard keeps only its hash)`
            : `  client secret  none (public client: PKCE required)`,
          `  redirect URIs  ${redirectUris.join(' ') || '(none: signs no one in)'}`,
          ...(resourceServer ? ['  resource server: may introspect access tokens at /oidc/token/introspection'] : []),
          ...(postLogoutRedirectUris.length ? [`  after sign-out ${postLogoutRedirectUris.join(' ')}`] : []),
          `  auth method    ${auth}`,
          `  PKCE           ${pkce}`,
          `  ID token       ${idTokenAlg}`,
          `  subject        ${subjectType === 'pairwise' ? `pairwise (sector ${new URL(redirectUris[0]!).host})` : 'public (the account id)'}`,
          `  consent        ${options.has('consent') ? 'asked once per person' : 'not asked (first-party)'}`,
        );
      }
      return 0;
    });
  },
};

/** `clients show <id>`: one client's registration, without its secret. */
export const clientsShow: Command = {
  usage: 'clients show <client-id> [--json]',
  summary: 'Show one OpenID Connect client (never its secret).',
  async run(args, io) {
    const [clientId, ...rest] = args;
    if (!clientId || clientId.startsWith('--')) throw new UsageError('missing <client-id>');
    const options = parseOptions(rest, [], ['json']);
    const config = loadConfig(io.env);
    return withDatabase(config, async (db) => {
      const client = await findOidcClient(db, clientId);
      if (!client) {
        say(io.stderr, `No client has the id ${clientId}.`);
        return 1;
      }
      const c = { ...describe(client), issuer: `${config.publicUrl}${OIDC_PATH}` };
      if (options.has('json')) say(io.stdout, JSON.stringify(c));
      else
        say(
          io.stdout,
          `Client "${c.client_name}"`,
          `  issuer         ${c.issuer}`,
          `  client id      ${c.client_id}`,
          `  redirect URIs  ${c.redirect_uris.join(' ') || '(none: signs no one in)'}`,
          `  resource server ${c.resource_server ? 'yes: may introspect access tokens' : 'no'}`,
          `  after sign-out ${c.post_logout_redirect_uris.join(' ') || '(none)'}`,
          `  auth method    ${c.token_endpoint_auth_method}`,
          `  PKCE           ${c.pkce}`,
          `  ID token       ${c.id_token_alg}`,
          `  subject        ${c.subject_type}`,
          `  consent        ${c.consent ? 'asked once per person' : 'not asked (first-party)'}`,
          `  registered     ${c.created_at}`,
        );
      return 0;
    });
  },
};

/** `clients rotate-secret <id>`: a new secret, printed once; the old one stops working at once. */
export const clientsRotateSecret: Command = {
  usage: 'clients rotate-secret <client-id> [--json]',
  summary: 'Give a client a new secret (printed once); the old secret stops working at once.',
  async run(args, io) {
    const [clientId, ...rest] = args;
    if (!clientId || clientId.startsWith('--')) throw new UsageError('missing <client-id>');
    const options = parseOptions(rest, [], ['json']);
    return withDatabase(loadConfig(io.env), async (db) => {
      const client = await findOidcClient(db, clientId);
      if (!client) {
        say(io.stderr, `No client has the id ${clientId}.`);
        return 1;
      }
      const secret = await rotateOidcClientSecret(db, clientId);
      if (!secret) {
        say(io.stderr, `Client ${clientId} is a public client (--auth none): it has no secret.`);
        return 1;
      }
      if (options.has('json')) say(io.stdout, JSON.stringify({ client_id: clientId, client_secret: secret }));
      else
        say(
          io.stdout,
          `New secret for "${client.client_name}" (${clientId}):`,
          `  client secret  ${secret}   (shown only now; the old secret no longer works)`,
        );
      return 0;
    });
  },
};

/** `clients list`: every registered client, without secrets. */
export const clientsList: Command = {
  usage: 'clients list [--json]',
  summary: 'List the registered OpenID Connect clients.',
  async run(args, io) {
    const options = parseOptions(args, [], ['json']);
    return withDatabase(loadConfig(io.env), async (db) => {
      const clients = (await listOidcClients(db)).map(describe);
      if (options.has('json')) say(io.stdout, JSON.stringify(clients));
      else if (clients.length === 0) say(io.stdout, 'No clients registered. Add one with `npx lanyard clients add`.');
      else
        for (const c of clients)
          say(
            io.stdout,
            `${c.client_id}  ${c.client_name}  ${c.token_endpoint_auth_method}  ${c.redirect_uris.join(' ')}`,
          );
      return 0;
    });
  },
};

/** `clients remove <id>`: the client and every grant and token issued to it stop working at once. */
export const clientsRemove: Command = {
  usage: 'clients remove <client-id>',
  summary: 'Remove an OpenID Connect client and revoke every token issued to it.',
  async run(args, io) {
    const [clientId] = expectArgs(args, ['client-id']);
    return withDatabase(loadConfig(io.env), async (db) => {
      if (!(await removeOidcClient(db, clientId!))) {
        say(io.stderr, `No client has the id ${clientId}.`);
        return 1;
      }
      say(io.stdout, `Client ${clientId} removed; its grants and tokens are revoked.`);
      return 0;
    });
  },
};
