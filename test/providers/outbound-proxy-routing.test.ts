import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { proxyAgentFor, readOutboundProxy, routeOutbound } from '../../src/lib/outbound-proxy.js';

/**
 * Which destinations NO_PROXY sends past the proxy, decided as curl decides: a name covers itself
 * and its subdomains, an IP address or range covers addresses only, loopback always goes direct.
 * (test/providers/outbound-proxy.test.ts shows the same end to end through a real proxy.)
 */
const direct = (noProxy: string, url: string) => {
  routeOutbound(
    readOutboundProxy({
      HTTPS_PROXY: 'http://proxy.test:3128',
      HTTP_PROXY: 'http://proxy.test:3128',
      NO_PROXY: noProxy,
    }),
  );
  return proxyAgentFor(new URL(url)) === null;
};

after(() => routeOutbound(null));

test('a name covers itself and its subdomains, not names that merely end alike', () => {
  assert.equal(direct('uni.example', 'https://uni.example/'), true);
  assert.equal(direct('uni.example', 'https://idp.uni.example/'), true);
  assert.equal(direct('.uni.example', 'https://idp.uni.example/'), true);
  assert.equal(direct('*.uni.example', 'https://idp.uni.example/'), true);
  assert.equal(direct('uni.example', 'https://notuni.example/'), false);
  assert.equal(direct('uni.example:8443', 'https://idp.uni.example:8443/'), true);
  assert.equal(direct('uni.example:8443', 'https://idp.uni.example/'), false);
});

test('an IP address is no domain: the tail of an address covers nothing', () => {
  for (const tail of ['0.1', '0.0.1', '.0.1', '*.0.1']) {
    assert.equal(direct(tail, 'https://10.0.0.1/'), false, tail);
    assert.equal(direct(`${tail}:443`, 'https://10.0.0.1/'), false, `${tail}:443`);
  }
  assert.equal(direct('10.0.0.1', 'https://10.0.0.1/'), true);
  assert.equal(direct('10.0.0.1:443', 'https://10.0.0.1/'), true);
  assert.equal(direct('10.0.0.1:8443', 'https://10.0.0.1/'), false);
  assert.equal(direct('10.0.0.0/8', 'https://10.200.3.4/'), true);
  assert.equal(direct('[fd00::1]:443', 'https://[fd00::1]/'), true);
  assert.equal(direct('[fd00::1]:8443', 'https://[fd00::1]/'), false);
  assert.equal(direct('fd00::/8', 'https://[fd12::5]/'), true);
  assert.equal(direct('::1', 'https://[fd00::1]/'), false);
});

test('loopback goes direct whatever NO_PROXY says', () => {
  assert.equal(direct('', 'http://127.0.0.1:8080/'), true);
  assert.equal(direct('', 'http://[::1]:8080/'), true);
  assert.equal(direct('', 'http://localhost:8080/'), true);
});
