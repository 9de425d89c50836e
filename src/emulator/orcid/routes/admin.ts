// The admin API under `/__admin/`: JSON in, JSON out. Tests and scripts use it to add users
// and clients, reset, move the clock, rotate the signing key and switch faults on. It has no
// authentication: never expose an emulator beyond a test network.
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { EmulatorInputError } from '../lib/errors.js';
import { FaultSettingsSchema, parse } from '../schema.js';
import type { OrcidEmulatorState } from '../state.js';
import type { EmulatorUser } from '../store/users.js';
import type { ClientRegistration, FixtureUser } from '../types.js';

function jsonBody(request: FastifyRequest): unknown {
  if (typeof request.body !== 'string' || request.body === '') return {};
  try {
    return JSON.parse(request.body);
  } catch {
    throw new EmulatorInputError('body: not valid JSON');
  }
}

const describe = (u: EmulatorUser) => ({
  orcid: u.orcid,
  description: u.description,
  name: u.name,
  emails: u.emails.map(({ email, visibility, verified, primary }) => ({ email, visibility, verified, primary })),
  mfa: u.mfa,
  lastLogin: u.lastLogin,
});

export const adminRoutes: FastifyPluginAsync<{ state: OrcidEmulatorState }> = async (app, { state }) => {
  app.setErrorHandler((error, _request, reply) => {
    if (error instanceof EmulatorInputError) return reply.code(400).send({ error: error.message });
    throw error;
  });

  app.get('/users', async () => [...state.users.values()].map(describe));
  app.post('/users', async (request, reply) =>
    reply.code(201).send(describe(state.addUser(jsonBody(request) as FixtureUser))),
  );
  app.post('/clients', async (request, reply) => {
    const { clientSecret: _secret, ...client } = state.addClient(jsonBody(request) as ClientRegistration);
    return reply.code(201).send(client);
  });

  app.post('/reset', async (_request, reply) => {
    state.reset();
    return reply.code(204).send();
  });

  const clock = () => ({ now: state.now(), iso: new Date(state.now()).toISOString() });
  app.get('/clock', async () => clock());
  // `{"advanceMs": 600000}` or `{"advanceSeconds": 600}`.
  app.post('/clock', async (request) => {
    const body = jsonBody(request) as { advanceMs?: unknown; advanceSeconds?: unknown };
    const ms = body.advanceMs ?? (typeof body.advanceSeconds === 'number' ? body.advanceSeconds * 1000 : undefined);
    if (typeof ms !== 'number') throw new EmulatorInputError('body: give advanceMs or advanceSeconds (a number)');
    state.advanceClock(ms);
    return clock();
  });

  app.get('/faults', async () => state.faults.snapshot());
  // Merges: groups not named keep their faults; `null` switches a group off.
  app.put('/faults', async (request) => {
    state.setFaults(parse(FaultSettingsSchema, jsonBody(request), 'faults'));
    return state.faults.snapshot();
  });
  app.delete('/faults', async (_request, reply) => {
    state.faults.clear();
    return reply.code(204).send();
  });

  app.post('/keys/rotate', async () => ({ kid: state.rotateSigningKey() }));

  app.get('/stats', async () => ({
    users: state.users.size,
    clients: state.clients.size,
    codes: state.codes.size,
    tokens: state.tokens.size,
  }));
};
