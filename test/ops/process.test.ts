import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { freePort } from '../support/listening-app.js';
import { LanyardProcess, runLanyardCli } from '../support/lanyard-process.js';

const TOKEN = 'c2VjcmV0LXRva2VuLXRoYXQtbXVzdC1uZXZlci1sZWFr';
const CODE = 'b2F1dGgtY29kZS10aGF0LW11c3QtbmV2ZXItbGVhay0x';
const PASSWORD = 'a password nobody may read in a log';

/** `npm start` on a machine with no configuration at all: embedded database in a fresh data dir. */
describe('the Lanyard process (npm start)', () => {
  let lanyard: LanyardProcess;
  let url: string;
  let dataDir: string;

  before(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    dataDir = mkdtempSync(join(tmpdir(), 'lanyard-process-'));
    lanyard = await LanyardProcess.start({
      LANYARD_PORT: String(port),
      LANYARD_HOST: '127.0.0.1',
      LANYARD_PUBLIC_URL: url,
      LANYARD_DATA_DIR: dataDir,
      LANYARD_LOG_LEVEL: 'info',
    });
  });
  after(async () => {
    await lanyard?.stop('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('serves /login without any configuration, and /healthz, /readyz', async () => {
    assert.match(lanyard.output, new RegExp(`Lanyard is running at ${url}/login  \\(embedded database`));
    const login = await fetch(`${url}/login`);
    assert.equal(login.status, 200);
    assert.match(await login.text(), /<form method="post" action="\/login"/);
    assert.deepEqual(await (await fetch(`${url}/healthz`)).json(), { status: 'ok' });
    assert.deepEqual(await (await fetch(`${url}/readyz`)).json(), { status: 'ready' });
  });

  test('logs keep tokens, OAuth codes, passwords and cookies out', async () => {
    await fetch(`${url}/register/${TOKEN}?code=${CODE}&lang=en`, {
      headers: { cookie: `lanyard-session=${TOKEN}.${CODE}` },
    });
    // A real sign-in attempt (CSRF cookie and field from the form), so the password reaches the handler.
    const form = await fetch(`${url}/login`);
    const cookie = form.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const _csrf = (await form.text()).match(/name="_csrf" value="([^"]+)"/)![1]!;
    const body = new URLSearchParams({ email: 'x@example.org', password: PASSWORD, _csrf });
    const signIn = await fetch(`${url}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
      body,
    });
    assert.equal(signIn.status, 401);
    // One line per request, written when it completes: the three requests above are all logged.
    await lanyard.waitForOutput(/"method":"POST","url":"\/login".*"statusCode":401/);
    assert.match(lanyard.output, /"url":"\/register\/\[redacted\]\?code=\[redacted\]&lang=en"/);
    for (const secret of [TOKEN, CODE, PASSWORD, _csrf])
      assert.ok(!lanyard.output.includes(secret), `a secret reached the log: ${secret}`);
  });

  test('SIGTERM shuts down gracefully: exit code 0, port closed', async () => {
    assert.equal(await lanyard.stop('SIGTERM'), 0, lanyard.output);
    assert.match(lanyard.output, /shutting down/);
    await assert.rejects(fetch(`${url}/healthz`));
  });
});

test('a bad setting stops npm start with exit code 1 and a message naming the key and the fix', async () => {
  const run = await runLanyardCli([], { LANYARD_PORT: 'eighty' }, '', 'src/main.ts');
  assert.equal(run.code, 1);
  // On Node 20 oidc-provider 9 prints its documented runtime warning when loaded (see the README); nothing else may precede.
  const stderr = run.stderr.replace(/^oidc-provider WARNING: Unsupported runtime\..*\n/, '');
  assert.match(
    stderr,
    /^Lanyard cannot start: LANYARD_PORT must be a whole number from 0 to 65535, got "eighty"\. Fix: /,
  );
});
