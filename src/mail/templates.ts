import { translator, type Locale, type MessageKey, type Translate } from '../i18n/index.js';
import { html, type SafeHtml } from '../lib/html.js';
import type { MailMessage } from '../stores/outbox.js';

/** A mail made of a subject, lines of text and an optional call-to-action link; rendered as text and HTML. */
interface MailSpec {
  subject: MessageKey;
  body: MessageKey;
  link?: string;
  validHours?: number;
  params?: Record<string, string>;
  /** A closing line for mails someone else may have caused ("ignore this email"). */
  ignoreNote?: MessageKey;
  /** A second way to the same step, with the line that says when to take it. */
  alternative?: { note: MessageKey; link: string };
}

export type MailKind = keyof typeof specs;

/** Mails that tell an owner their account changed: never held back, never counted (docs/security.md). */
export const securityNotices: readonly MailKind[] = [
  'identity_linked',
  'identity_removed',
  'password_changed',
  'new_device_sign_in',
  'account_merged',
  'email_changed',
  'account_disabled',
  'orcid_access_changed',
];

interface ProviderLink {
  link: string;
  validHours: number;
  provider: string;
  /** The identity itself (the ORCID iD URL), so the reader knows what would be linked. */
  identifier: string;
  /**
   * Lanyard's own page of the link, when `link` is a repository UI's route: on a device other
   * than the sign-in's, only Lanyard's page can have the person prove the identity first.
   */
  otherDevice?: string;
}

const providerLink = (subject: MessageKey, body: MessageKey, p: ProviderLink, ignoreNote: MessageKey): MailSpec => ({
  subject,
  body,
  link: p.link,
  validHours: p.validHours,
  params: { provider: p.provider, identifier: p.identifier },
  ignoreNote,
  ...(p.otherDevice ? { alternative: { note: 'mail.otherDevice' as const, link: p.otherDevice } } : {}),
});

const specs = {
  register: (p: { link: string; validHours: number }): MailSpec => ({
    subject: 'mail.register.subject',
    body: 'mail.register.body',
    ...p,
    ignoreNote: 'mail.ignore',
  }),
  account_exists: (p: { link: string; validHours: number }): MailSpec => ({
    subject: 'mail.exists.subject',
    body: 'mail.exists.body',
    ...p,
    ignoreNote: 'mail.ignore',
  }),
  forgot: (p: { link: string; validHours: number }): MailSpec => ({
    subject: 'mail.forgot.subject',
    body: 'mail.forgot.body',
    ...p,
    ignoreNote: 'mail.ignore',
  }),
  /** CHANGE_EMAIL: to the new address; the link opens /profile/email/:token. */
  email_change: (p: { link: string; validHours: number }): MailSpec => ({
    subject: 'mail.emailChange.subject',
    body: 'mail.emailChange.body',
    ...p,
    ignoreNote: 'mail.ignore',
  }),
  /** Instead of a CHANGE_EMAIL link, when the new address belongs to another account already. */
  email_change_taken: (p: { email: string }): MailSpec => ({
    subject: 'mail.emailChangeTaken.subject',
    body: 'mail.emailChangeTaken.body',
    params: { email: p.email },
    ignoreNote: 'mail.ignore',
  }),
  /**
   * The notice to the old address once the new one is confirmed: what changed and when (`at`, in
   * UTC: the mail may arrive later), and what the reader can do if it was not them. It carries no
   * secret: the link is the sign-in to the profile, which the reader's other ways in still open.
   */
  email_changed: (p: { email: string; at: string; profileLink: string }): MailSpec => ({
    subject: 'mail.emailChanged.subject',
    body: 'mail.emailChanged.body',
    link: p.profileLink,
    params: { email: p.email, at: p.at },
  }),
  /** Sent when an operator disables the account. */
  account_disabled: (): MailSpec => ({ subject: 'mail.accountDisabled.subject', body: 'mail.accountDisabled.body' }),
  password_changed: (): MailSpec => ({ subject: 'mail.passwordChanged.subject', body: 'mail.passwordChanged.body' }),
  /** EXTERNAL: the address is new here; the link opens /external-login/:token with it proven. */
  external_link: (p: ProviderLink): MailSpec =>
    providerLink('mail.external.subject', 'mail.external.body', p, 'mail.ignore'),
  /** VALIDATION: the address belongs to an account; the link opens /review-account/:token. */
  validation_link: (p: ProviderLink): MailSpec =>
    providerLink('mail.validation.subject', 'mail.validation.body', p, 'mail.ignoreLink'),
  /** The security notice of docs/design.md §3 case 3: sent whenever an identity is linked to an account. */
  identity_linked: (p: { provider: string; identifier: string; profileLink: string }): MailSpec => ({
    subject: 'mail.linked.subject',
    body: 'mail.linked.body',
    link: p.profileLink,
    params: { provider: p.provider, identifier: p.identifier },
  }),
  /** Sent when a way to sign in is removed from an account. */
  identity_removed: (p: { provider: string; identifier: string; profileLink: string }): MailSpec => ({
    subject: 'mail.removed.subject',
    body: 'mail.removed.body',
    link: p.profileLink,
    params: { provider: p.provider, identifier: p.identifier },
  }),
  /** Sent when an account signs in from a browser and system none of its latest sessions used. */
  new_device_sign_in: (p: { device: string; method: string; address: string; sessionsLink: string }): MailSpec => ({
    subject: 'mail.newDevice.subject',
    body: 'mail.newDevice.body',
    link: p.sessionsLink,
    params: { device: p.device, method: p.method, address: p.address },
  }),
  /** Sent to both addresses when an operator merges a duplicate account into a survivor. */
  account_merged: (p: { survivor: string; duplicate: string; profileLink: string }): MailSpec => ({
    subject: 'mail.merged.subject',
    body: 'mail.merged.body',
    link: p.profileLink,
    params: { survivor: p.survivor, duplicate: p.duplicate },
  }),
  /** Sent when the access repositories have to the account's ORCID record is granted or withdrawn. */
  orcid_access_changed: (p: { identifier: string; access: string; consoleLink: string }): MailSpec => ({
    subject: 'mail.orcidAccess.subject',
    body: 'mail.orcidAccess.body',
    link: p.consoleLink,
    params: { identifier: p.identifier, access: p.access },
  }),
};

export type MailParams<K extends MailKind> = Parameters<(typeof specs)[K]>[0];

export function renderMail<K extends MailKind>(
  kind: K,
  to: string,
  locale: Locale,
  params: MailParams<K>,
  appName = 'Lanyard',
): MailMessage {
  const spec = (specs[kind] as (p: MailParams<K>) => MailSpec)(params);
  const t = translator(locale);
  const vars = { app: appName, ...spec.params };
  const subject = t(spec.subject, vars);
  const body = t(spec.body, vars);
  const valid = spec.validHours ? validFor(t, spec.validHours) : undefined;
  const ignore = spec.ignoreNote ? t(spec.ignoreNote) : undefined;
  const alternative = spec.alternative ? { note: t(spec.alternative.note, vars), link: spec.alternative.link } : null;

  const text = [
    t('mail.greeting'),
    '',
    body,
    ...(spec.link ? ['', spec.link] : []),
    ...(alternative ? ['', alternative.note, alternative.link] : []),
    ...(valid ? ['', valid] : []),
    ...(ignore ? ['', ignore] : []),
    '',
    `— ${appName}`,
  ].join('\n');
  const paragraph = (s: string | undefined): SafeHtml | '' => (s ? html`<p>${s}</p>` : '');
  const htmlBody = html`<!doctype html>
    <html lang="${locale}">
      <body style="font-family:sans-serif;line-height:1.5">
        <p>${t('mail.greeting')}</p>
        <p>${body}</p>
        ${spec.link ? html`<p><a href="${spec.link}">${spec.link}</a></p>` : ''}
        ${alternative ? html`<p>${alternative.note}<br /><a href="${alternative.link}">${alternative.link}</a></p>` : ''}
        ${paragraph(valid)}${paragraph(ignore)}
        <p>— ${appName}</p>
      </body>
    </html>`;
  return { to, subject, text, html: htmlBody.value, kind };
}

/** "valid for 1 hour", "for 24 hours", "for 7 days": whole days read better from two days on. */
function validFor(t: Translate, hours: number): string {
  return hours >= 48 && hours % 24 === 0
    ? t('mail.validFor', { unit: 'days', count: hours / 24 })
    : t('mail.validFor', { unit: 'hours', count: hours });
}
