import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IntlMessageFormat } from 'intl-messageformat';
import { catalogues, locales, translator } from '../../src/i18n/index.js';
import { en } from '../../src/i18n/en.js';
import { renderMail } from '../../src/mail/templates.js';

interface AstNode {
  type: number;
  value?: string;
  options?: Record<string, { value: AstNode[] }>;
}

/** The placeholders a message uses ({name}, plural and select arguments), found in its parsed form. */
function argumentsOf(source: string, locale: string): string[] {
  const names = new Set<string>();
  const walk = (nodes: AstNode[]) => {
    for (const n of nodes) {
      if (n.type >= 1 && n.type <= 6 && n.value) names.add(n.value);
      for (const option of Object.values(n.options ?? {})) walk(option.value);
    }
  };
  walk(new IntlMessageFormat(source, locale, undefined, { ignoreTag: true }).getAst() as unknown as AstNode[]);
  return [...names].sort();
}

test('every message key exists in every language, and no language has keys English lacks', () => {
  const keys = Object.keys(en).sort();
  for (const locale of locales) {
    const own = Object.keys(catalogues[locale]).sort();
    assert.deepEqual(
      keys.filter((k) => !own.includes(k)),
      [],
      `${locale} lacks these keys`,
    );
    assert.deepEqual(
      own.filter((k) => !keys.includes(k)),
      [],
      `${locale} has keys English lacks`,
    );
    for (const k of own) assert.ok(catalogues[locale][k as keyof typeof en].trim(), `${locale} ${k} is empty`);
  }
});

test('every message is valid ICU MessageFormat and uses the same placeholders in every language', () => {
  for (const key of Object.keys(en) as (keyof typeof en)[]) {
    const expected = argumentsOf(en[key], 'en');
    for (const locale of locales)
      assert.deepEqual(argumentsOf(catalogues[locale][key], locale), expected, `${locale} ${key}: placeholders`);
  }
});

test('no message counts with "(s)" or "(n)": plurals are ICU plurals', () => {
  for (const locale of locales)
    for (const [key, text] of Object.entries(catalogues[locale]))
      assert.doesNotMatch(text, /\w\((s|n|e|en)\)/, `${locale} ${key} writes a plural by hand`);
});

test('plurals and selects: 1 hour, 24 hours, 7 days; 1 Stunde, 24 Stunden, 7 Tage', () => {
  const en = translator('en');
  const de = translator('de');
  assert.equal(en('mail.validFor', { unit: 'hours', count: 1 }), 'The link is valid for 1 hour.');
  assert.equal(en('mail.validFor', { unit: 'hours', count: 24 }), 'The link is valid for 24 hours.');
  assert.equal(de('mail.validFor', { unit: 'hours', count: 1 }), 'Der Link ist 1 Stunde gültig.');
  assert.equal(de('mail.validFor', { unit: 'hours', count: 24 }), 'Der Link ist 24 Stunden gültig.');
  const invitation = renderMail('register', 'a@example.org', 'de', { link: 'https://x.example/r', validHours: 168 });
  assert.match(invitation.text, /Der Link ist 7 Tage gültig\./);
  const hour = renderMail('forgot', 'a@example.org', 'en', { link: 'https://x.example/f', validHours: 1 });
  assert.match(hour.text, /The link is valid for 1 hour\./);
});

test('the mails about an identity name it, and say "ignore this email" once', () => {
  for (const locale of locales) {
    for (const kind of ['external_link', 'validation_link'] as const) {
      const mail = renderMail(kind, 'a@example.org', locale, {
        link: 'https://x.example/l',
        validHours: 1,
        provider: 'ORCID iD',
        identifier: 'https://orcid.org/0000-0002-1825-0097',
      });
      assert.match(mail.text, /https:\/\/orcid\.org\/0000-0002-1825-0097/, `${locale} ${kind} names the iD`);
      assert.equal(mail.text.match(/ignore|ignorieren/g)?.length, 1, `${locale} ${kind}: one "ignore"`);
    }
  }
});

test('an apostrophe or a quote in prose is printed as written', () => {
  assert.equal(translator('en')('demo.banner').includes('“Sign in with ORCID”'), true);
});

test('a placeholder nobody filled prints as empty instead of failing the page', () => {
  assert.equal(translator('en')('external.email_unknown'), 'No account here uses  yet.');
  assert.equal(translator('de')('mail.validFor'), 'Der Link ist 0 Stunden gültig.');
});

test('the merge preview speaks of the writes that still go out only when there are some', () => {
  const who = { survivor: 'S', duplicate: 'D' };
  for (const locale of locales) {
    const t = translator(locale);
    const others = locale === 'de' ? /übrigen/ : /others/;
    const all = t('admin.merge.writes', { ...who, count: 2, ended: 2, rest: 0 });
    assert.doesNotMatch(all, others, `${locale}: every write ends, yet "the others" go out: ${all}`);
    assert.match(all, /\)\.$/, all);
    assert.match(t('admin.merge.writes', { ...who, count: 3, ended: 1, rest: 2 }), others);
    assert.doesNotMatch(t('admin.merge.writes', { ...who, count: 2, ended: 0, rest: 2 }), others);
  }
});
