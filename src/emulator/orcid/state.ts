// Everything one emulator instance knows: users, clients, codes, tokens, sessions, faults, the
// clock and the signing key. Routes read and change it; tests and the admin API drive it.
import bundledFixtures from './fixtures.json' with { type: 'json' };
import { Faults, type FaultSettings } from './faults.js';
import { EmulatorInputError } from './lib/errors.js';
import { SigningKey } from './keys.js';
import { FixturesSchema, ClientRegistrationSchema, FixtureUserSchema, parse } from './schema.js';
import { SessionCodec } from './session.js';
import { CodeStore } from './store/codes.js';
import { TokenStore } from './store/tokens.js';
import { createUser, type EmulatorUser } from './store/users.js';
import type { ClientRegistration, EmulatorFixtures, FixtureUser, OrcidEmulatorOptions } from './types.js';

export type EmulatorClient = Required<ClientRegistration>;

export class OrcidEmulatorState {
  /** The issuer: no trailing slash, exactly as configured. */
  readonly baseUrl: string;
  /** The path part of `baseUrl` (`/` when mounted at the root), for the session cookie. */
  readonly basePath: string;
  readonly idTokenLifetimeSeconds: number;
  readonly alwaysChooseUser: boolean;
  readonly users = new Map<string, EmulatorUser>();
  readonly clients = new Map<string, EmulatorClient>();
  readonly codes: CodeStore;
  readonly tokens: TokenStore;
  readonly faults = new Faults();
  readonly sessions = new SessionCodec();
  /** "client iD scopes" a user has approved, for ORCID's skip-consent rule (§1.2). */
  readonly approvals = new Set<string>();
  signingKey = new SigningKey();
  readonly #fixtures: EmulatorFixtures;
  readonly #clock: () => number;
  #offsetMs = 0;

  constructor(opts: OrcidEmulatorOptions) {
    if (!/^https?:\/\/[^/]+(\/.*[^/])?$/.test(opts.baseUrl)) {
      throw new EmulatorInputError(`baseUrl: "${opts.baseUrl}" must be an http(s) URL without a trailing slash`);
    }
    this.baseUrl = opts.baseUrl;
    this.basePath = new URL(opts.baseUrl).pathname;
    this.idTokenLifetimeSeconds = opts.idTokenLifetimeSeconds ?? 600;
    this.alwaysChooseUser = opts.alwaysChooseUser ?? false;
    this.codes = new CodeStore((opts.codeLifetimeSeconds ?? 600) * 1000);
    this.tokens = new TokenStore(opts.maxTokens ?? 100_000);
    this.#clock = opts.now ?? Date.now;
    this.#fixtures = parse(FixturesSchema, opts.fixtures ?? bundledFixtures, 'fixtures');
    this.#load();
  }

  /** Emulator time in epoch ms: the injected clock plus whatever `advanceClock` added. */
  now(): number {
    return this.#clock() + this.#offsetMs;
  }

  /** Moves emulator time forward (codes and tokens expire; ID tokens carry the new time). */
  advanceClock(ms: number): number {
    if (!Number.isFinite(ms) || ms < 0) throw new EmulatorInputError('advanceClock: ms must be a number ≥ 0');
    this.#offsetMs += ms;
    return this.now();
  }

  addUser(fixture: FixtureUser): EmulatorUser {
    const user = createUser(parse(FixtureUserSchema, fixture, 'user'), this.now(), this.users);
    this.users.set(user.orcid, user);
    return user;
  }

  addClient(registration: ClientRegistration): EmulatorClient {
    const r = parse(ClientRegistrationSchema, registration, 'client');
    const client = { ...r, member: r.member ?? false, name: r.name ?? r.clientId };
    this.clients.set(client.clientId, client);
    return client;
  }

  setFaults(settings: FaultSettings): void {
    this.faults.set(settings, this.now());
  }

  /** A new signing key; the JWKS then publishes only the new `kid` (clients must re-fetch). */
  rotateSigningKey(): string {
    this.signingKey = new SigningKey();
    return this.signingKey.kid;
  }

  /** Back to the fixtures: no codes, tokens, sessions, approvals or faults; clock offset 0. */
  reset(): void {
    this.codes.clear();
    this.tokens.clear();
    this.approvals.clear();
    this.faults.clear();
    this.sessions.rotate();
    this.#offsetMs = 0;
    this.#load();
  }

  #load(): void {
    this.users.clear();
    this.clients.clear();
    for (const client of this.#fixtures.clients) this.addClient(client);
    for (const user of this.#fixtures.users) this.addUser(user);
  }
}

/** A fresh emulator state; see `OrcidEmulatorOptions`. */
export function createOrcidEmulatorState(opts: OrcidEmulatorOptions): OrcidEmulatorState {
  return new OrcidEmulatorState(opts);
}
