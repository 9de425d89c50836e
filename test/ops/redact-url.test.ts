import assert from 'node:assert/strict';
import { test } from 'node:test';
import { redactUrl } from '../../src/lanyard.js';

const TOKEN = 'Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5';

test('redactUrl hides tokens in paths and secret query values, keeps the rest', () => {
  const cases: [string, string][] = [
    [`/register/${TOKEN}`, '/register/[redacted]'],
    [`/forgot/${TOKEN}?lang=de`, '/forgot/[redacted]?lang=de'],
    [`/external-login/${TOKEN}`, '/external-login/[redacted]'],
    [`/review-account/${TOKEN}/merge`, '/review-account/[redacted]/merge'],
    [`/api/eperson/registrations/9b1c/x?token=${TOKEN}`, '/api/eperson/registrations/[redacted]/x?token=[redacted]'],
    [
      `/api/authn/orcid?code=${TOKEN}&state=${TOKEN}&lang=en`,
      '/api/authn/orcid?code=[redacted]&state=[redacted]&lang=en',
    ],
    [
      `/api/authn/login?user=a%40b.example&password=${TOKEN}`,
      '/api/authn/login?user=a%40b.example&password=[redacted]',
    ],
    ['/login?returnTo=%2Fprofile', '/login?returnTo=%2Fprofile'],
  ];
  for (const [url, logged] of cases) {
    assert.equal(redactUrl(url), logged);
    assert.ok(!redactUrl(url).includes(TOKEN));
  }
});
