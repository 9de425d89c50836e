import assert from 'node:assert/strict';
import { test } from 'node:test';
import { maybeRelayDown } from '../../src/mail/worker.js';

/**
 * What a failed send looks like from nodemailer (7.x, against relays that fail each way on
 * loopback), and whether the worker then asks the relay if it is there at all: only a failure
 * without the relay's own reply about the mail, a refusal of the credentials, or a 421 may be the
 * relay's. A reply about the mail (a refused recipient, a rejected message) is the mail's.
 */
const seen: [string, object, boolean][] = [
  ['connection refused', { code: 'ESOCKET', command: 'CONN', message: 'connect ECONNREFUSED 127.0.0.1:25' }, true],
  ['accepted, then closed before the greeting', { message: 'Unexpected socket close' }, true],
  ['no greeting', { code: 'ETIMEDOUT', command: 'CONN', message: 'Timeout' }, true],
  ['no such host', { code: 'EDNS', command: 'CONN', message: 'getaddrinfo ENOTFOUND mail.invalid' }, true],
  [
    'dropped after the message',
    { code: 'ECONNECTION', command: 'CONN', message: 'Connection closed unexpectedly' },
    true,
  ],
  ['421 greeting', { code: 'EPROTOCOL', responseCode: 421, command: 'CONN', message: 'Invalid greeting' }, true],
  ['credentials refused', { code: 'EAUTH', responseCode: 535, command: 'AUTH PLAIN', message: 'Invalid login' }, true],
  ['recipient refused', { code: 'EENVELOPE', responseCode: 550, command: 'RCPT TO', message: 'no such user' }, false],
  ['message refused for now', { code: 'EMESSAGE', responseCode: 451, command: 'DATA', message: 'try later' }, false],
  ['message rejected', { code: 'EMESSAGE', responseCode: 554, command: 'DATA', message: 'spam' }, false],
];

for (const [kind, error, relay] of seen)
  test(`${kind}: ${relay ? 'may be the relay (the worker asks it)' : "the mail's failure"}`, () => {
    assert.equal(maybeRelayDown(Object.assign(new Error(), error)), relay);
  });
