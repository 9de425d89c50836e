/** English messages: the reference catalogue. German (de.ts) must have every key (the compiler checks). */
export const en = {
  'lang.name': 'English',
  'app.name': 'Lanyard',
  'nav.skip': 'Skip to content',
  'nav.signIn': 'Sign in',
  'nav.signOut': 'Sign out',
  'nav.profile': 'Your account',
  'nav.register': 'Create an account',
  'nav.language': 'Language',
  'nav.main': 'Main',
  'nav.devMail': 'Dev mailbox',
  'footer.text': 'Lanyard — sign-in for research repositories',
  'demo.banner': 'Demo mode: “Sign in with ORCID” uses the built-in ORCID emulator, not the real ORCID.',

  'login.title': 'Sign in',
  'oidc.continue.title': 'Signed in',
  'oidc.continue.text': 'You are signed in. Taking you back to the application…',
  'oidc.continue.button': 'Continue to the application',
  'oidc.error.title': 'This sign-in request was refused',
  'oidc.error.text':
    'The application that sent you here made a request Lanyard cannot answer. Go back to it and sign in again; if this keeps happening, tell the people who run it.',
  'oidc.error.reason': 'Reason (for the application’s administrators):',
  'oidc.logout.title': 'Sign out',
  'oidc.logout.text': '{client} signed you out. Do you want to sign out of Lanyard as well?',
  'oidc.logout.textAnonymous': 'An application is signing you out. Do you want to sign out of Lanyard as well?',
  'oidc.logout.yes': 'Sign me out of Lanyard',
  'oidc.logout.no': 'Stay signed in to Lanyard',
  'oidc.loggedOut.title': 'Signed out',
  'oidc.loggedOut.text': 'You are signed out. You can close this page.',
  'oidc.consent.title': 'Allow {client} to sign you in?',
  'oidc.consent.intro': '{client} asks Lanyard to confirm who you are and to share:',
  'oidc.consent.scope.openid': 'that it is you (an identifier for your account that stays the same)',
  'oidc.consent.scope.email': 'your verified email address',
  'oidc.consent.scope.profile': 'your name, language and ORCID iD',
  'oidc.consent.scope.orcid': 'your ORCID iD',
  'oidc.consent.scope.eduperson_scoped_affiliation':
    'your role at your institution, as it released it (e.g. staff@uni.example)',
  'oidc.consent.scope.offline_access': 'access while you are away (until you withdraw it)',
  'oidc.consent.remember': 'Lanyard remembers your answer; you can withdraw it on your profile at any time.',
  'oidc.consent.allow': 'Allow',
  'oidc.consent.deny': 'Cancel',
  'login.email': 'Email address',
  'login.password': 'Password',
  'login.submit': 'Sign in',
  'login.or': 'or',
  'login.orcid': 'Sign in with ORCID',
  'login.orcidHint': 'Use your ORCID iD to sign in or to create your account.',
  'login.provider': 'Sign in with {provider}',
  'login.forgot': 'Forgot your password?',
  'login.noAccount': 'No account yet?',
  'login.failed': 'The email address or password is not correct.',
  'login.linkingHint': 'Sign in to the account you want to link your {provider} to.',
  'login.linkingHintAny': 'Sign in to the account you want to link to.',

  'register.title': 'Create an account',
  'register.intro': 'Enter your email address. We will send you a link to set your name and password.',
  'register.submit': 'Send the link',
  'register.disabled': 'This service does not allow creating accounts. Ask the repository managers for one.',
  'register.complete.title': 'Finish creating your account',
  'register.givenName': 'Given name',
  'register.familyName': 'Family name',
  'register.password': 'Password',
  'register.passwordHint': 'At least 10 characters.',
  'register.passwordConfirm': 'Repeat the password',
  'register.complete.submit': 'Create my account',
  'register.passwordMismatch': 'The two passwords differ.',

  'password.too_short': 'The password must have at least 10 characters.',
  'password.too_long': 'The password is too long (at most 256 characters).',
  'password.is_email': 'The password must not be your email address.',

  'forgot.title': 'Reset your password',
  'forgot.intro': 'Enter the email address of your account. If it has one, we will send a link to set a new password.',
  'forgot.submit': 'Send the link',
  'forgot.reset.title': 'Choose a new password',
  'forgot.reset.submit': 'Save the new password',

  'confirm.title': 'Check your inbox',
  'confirm.body':
    'If the address can be used, we have sent it an email. Follow the link in it to continue. The link is valid for a limited time.',

  'profile.title': 'Your account',
  'profile.email': 'Email address',
  'profile.name': 'Name',
  'profile.verified': 'verified',
  'profile.unverified': 'not verified',
  'profile.identities': 'Ways to sign in',
  'profile.provider.password': 'Password',
  'profile.changePassword': 'Change your password',
  'profile.currentPassword': 'Current password',
  'profile.newPassword': 'New password',
  'profile.changePassword.submit': 'Change password',
  'profile.passwordChanged': 'Your password has been changed. Other sessions were signed out.',
  'profile.linkOrcid': 'Connect your ORCID iD',
  'profile.linkProvider': 'Connect {provider}',
  'login.reauth': 'Please confirm it is you: sign in again. You will come back to what you were doing.',
  'remove.title': 'Remove {identity}?',
  'remove.lead':
    'You will no longer be able to sign in with {identity}. Your account and your other ways to sign in stay as they are.',
  'remove.submit': 'Remove {identity}',
  'remove.cancel': 'Keep it and go back to your account',
  'profile.unlink': 'Remove',
  'profile.lastUsed': 'last used',
  'profile.linked': 'linked',

  'error.title': 'Something went wrong',
  'error.back': 'Back to sign-in',
  'error.code': 'Error code',
  'error.NOT_FOUND': 'This page does not exist.',
  'error.CSRF_FAILED': 'The form expired or was sent from another site. Reload the page and try again.',
  'error.RATE_LIMITED': 'Too many attempts. Wait a minute and try again.',
  'error.TOKEN_INVALID': 'This link is not valid. Ask for a new one.',
  'error.TOKEN_EXPIRED': 'This link has expired. Ask for a new one.',
  'error.TOKEN_CONSUMED': 'This link has already been used. Ask for a new one if you still need it.',
  'error.REGISTRATION_OTHER_BROWSER':
    'This link works only in the browser in which the sign-in was made. If you started it, go back to that browser; otherwise sign in here yourself.',
  'error.CONFIRMATION_REQUIRED': 'Please tick the box to confirm that this identity is yours.',
  'error.TOKEN_WRONG_TYPE': 'This link cannot be used here.',
  'error.TOKEN_REGISTRATION_MISMATCH': 'This link does not belong to this request.',
  'error.VALIDATION_FAILED': 'Some of the information sent is missing or not valid.',
  'error.INVALID_EMAIL': 'This is not a valid email address.',
  'error.BODY_TOO_LARGE': 'The request is too large.',
  'error.AUTH_REQUIRED': 'Please sign in first.',
  'error.REAUTH_REQUIRED': 'Please confirm it is you: sign in again.',
  'error.EMAIL_TAKEN': 'An account with this email address exists already. Sign in to it instead.',
  'error.SELF_REGISTRATION_DISABLED':
    'This service does not allow creating accounts. Ask the repository managers for one.',
  'error.INTERNAL': 'An unexpected error happened. Try again later.',
  'error.generic': 'The request could not be completed.',

  'mail.greeting': 'Hello,',
  'mail.ignore': 'If you did not ask for this, you can ignore this email.',
  'mail.validFor':
    '{unit, select, days {The link is valid for {count, plural, one {# day} other {# days}}.} other {The link is valid for {count, plural, one {# hour} other {# hours}}.}}',
  'mail.register.subject': 'Create your {app} account',
  'mail.register.body': 'To create your account, open this link:',
  'mail.exists.subject': 'Your {app} account',
  'mail.exists.body':
    'Someone asked to create an account with this address, but you have one already. To set a new password, open this link:',
  'mail.forgot.subject': 'Reset your {app} password',
  'mail.forgot.body': 'To choose a new password, open this link:',
  'mail.passwordChanged.subject': 'Your {app} password was changed',
  'mail.passwordChanged.body':
    'The password of your account was changed. If this was not you, reset your password now and tell the repository managers.',
  'mail.external.subject': 'Confirm your email address to sign in to {app} with {provider}',
  'mail.external.body':
    'You signed in with {provider} {identifier} and gave this email address. To confirm it and continue, open this link:',
  'mail.validation.subject': 'Link {provider} to your {app} account',
  'mail.validation.body':
    'Someone signed in with {provider} {identifier} and asked to link it to the account of this address. If that was you, open this link to review and confirm:',
  'mail.linked.subject': '{provider} was linked to your {app} account',
  'mail.linked.body':
    '{provider} {identifier} was linked to your account and can now be used to sign in. If this was not you, remove it on your account page and tell the repository managers:',
  'orcid.demoLabel': 'ORCID emulator (demo)',
  'external.title': 'Finish signing in with {provider}',
  'external.authenticated': '{provider} confirmed your identity:',
  'external.name': 'Name',
  'external.email': 'Email address',
  'external.email_unknown': 'No account here uses {email} yet.',
  'external.create': 'Create my account',
  'external.createHint': 'Your new account will use {email}; it is already verified.',
  'external.needEmail.title': 'We need your email address',
  'external.needEmail.no_email':
    'Your {provider} record does not share an email address with us. Enter yours: we use it to find your account here, or to create one.',
  'external.needEmail.email_unverified':
    'Your {provider} record shares no verified email address. Enter yours: we use it to find your account here, or to create one.',
  'external.needEmail.email_untrusted':
    'This service does not identify accounts by the email address from {provider}. Enter yours: we use it to find your account here, or to create one.',
  'external.needEmail.account_email_unverified':
    'We need to confirm your email address before linking your {identity}. Enter it and we will send you a link.',
  'external.needEmail.email_unknown': 'If you use another address for your account here, enter it.',
  'external.emailLabel': 'Your email address',
  'external.emailHint':
    'We will send a link to this address. If an account uses it, the link connects your {identity} to that account.',
  'external.sendLink': 'Send the link',
  'external.otherEmail': 'Use another email address',
  'external.linkExisting': 'Sign in to link an existing account',
  'external.linkExistingHint': 'Already have an account here? Sign in to it and we will link your {identity} to it.',
  'external.noCreate':
    'This service does not create accounts by itself. Link your {identity} to your existing account: sign in to it, or enter its email address.',
  'review.title': 'Review your account information',
  'review.intro':
    'Before your {identity} is linked to the account {email}, choose which values to keep. One click saves all choices.',
  'review.field': 'Information',
  'review.received': 'Received from {provider}',
  'review.current': 'Current value',
  'review.choice': 'Keep',
  'review.useReceived': 'Received',
  'review.keepCurrent': 'Current',
  'review.field.givenName': 'Given name',
  'review.field.familyName': 'Family name',
  'review.field.email': 'Email address',
  'review.empty': '(empty)',
  'review.linking': '{identity} to link',
  'review.notYou': 'If this is not your {identity}, do not continue: close this page and the link expires unused.',
  'review.confirm': 'I signed in with {provider} as {id} myself. It is mine and may open the account {email}.',
  'external.confirm': 'I signed in with {provider} as {id} myself. It is mine and may open a new account for {email}.',
  'review.submit': 'Link my {identity} and save',
  'profile.unlinkHint': 'Removing a way to sign in needs a recent sign-in.',
  'error.retry': 'Try again',
  'error.INVALID_CREDENTIALS': 'The email address or password is not correct.',
  'error.OIDC_INTERACTION_EXPIRED':
    'This sign-in for an application has expired or was started in another browser. Go back to the application and sign in again.',
  'error.OAUTH_STATE_INVALID': 'This sign-in was not started in this browser, or it took too long. Please start again.',
  'error.OAUTH_CALLBACK_EMPTY':
    '{provider} sent you back without an answer (the request may have been refused). Please start again.',
  'error.OAUTH_CODE_INVALID':
    '{provider} did not accept this sign-in (it expired or was already used). Please start again.',
  'error.PROVIDER_ACCESS_DENIED': 'You did not allow access on {provider}, so you were not signed in.',
  'error.OAUTH_CALLBACK_INVALID':
    'The answer from {provider} was changed on its way back to us, so it cannot be used. Please start again.',
  'error.PROVIDER_ERROR':
    '{provider} answered something we could not use. Please try again; if it persists, tell the repository managers.',
  'error.PROVIDER_UNAVAILABLE': '{provider} is not reachable right now. Please try again in a few minutes.',
  'error.PROVIDER_NOT_CONFIGURED': 'Sign-in with this provider is not set up here.',
  'error.OIDC_ISSUER_MISMATCH':
    'This answer did not come from {provider}, where the sign-in started. Please start again.',
  'error.OIDC_NONCE_MISMATCH': 'The answer from {provider} belongs to another sign-in. Please start again.',
  'error.OIDC_ID_TOKEN_INVALID':
    '{provider} sent a sign-in confirmation we cannot accept. Please try again; if it persists, tell the repository managers.',
  'error.OIDC_USERINFO_MISMATCH':
    '{provider} described someone other than the person who signed in. Please try again; if it persists, tell the repository managers.',
  'error.IDENTITY_LINKED_ELSEWHERE':
    'This {identity} is already linked to another account. Sign in with it to use that account, or ask the repository managers to merge the accounts.',
  'error.IDENTITY_ALREADY_LINKED':
    'The account already has another {identity} linked. Remove it first on your account page.',
  'error.ACCOUNT_DISABLED': 'This account is disabled. Contact the repository managers.',
  'error.ACCOUNT_EMAIL_UNVERIFIED':
    'The account has not confirmed its email address yet. Reset the password (that confirms it), then link again.',
  'error.LAST_SIGN_IN_METHOD': 'This is the last way to sign in to your account; add another before removing it.',
  'error.FORBIDDEN': 'You are not allowed to do this.',
  'error.REGISTRATION_EMAIL_STATE': 'An email address is needed first.',
  'error.REGISTRATION_NOT_FOUND': 'This request does not exist.',

  // SAML and Shibboleth (issue 11)
  'saml.discovery.title': 'Choose your institution',
  'saml.discovery.intro': 'Sign in through {federation}: find your university or institute, and sign in there.',
  'saml.discovery.search': 'Your institution',
  'saml.discovery.searchHint': 'Type part of its name, or a domain such as uni-example.edu.',
  'saml.discovery.submit': 'Search',
  'saml.discovery.recent': 'Used before on this device',
  'saml.discovery.results': 'Institutions',
  'saml.discovery.one': 'One institution matches “{q}”.',
  'saml.discovery.many': '{count} institutions match “{q}”.',
  'saml.discovery.none': 'No institution matches “{q}”. Check the spelling, or try its domain.',
  'saml.discovery.more': 'The first {shown} are shown: type more of the name to find yours.',
  'saml.discovery.typeToSearch': '{count} institutions take part. Type the name of yours to find it.',
  'saml.discovery.loading': 'The list of institutions is being loaded. Please try again in a minute.',
  'saml.identity': 'Account at {idp}',
  'error.SAML_IDP_UNKNOWN': 'The institution “{idp}” is not known here. Choose it again from the list.',
  'error.SAML_METADATA_UNAVAILABLE':
    'The list of institutions is not available yet. Please try again in a few minutes; if it persists, tell the repository managers.',
  'error.SAML_RESPONSE_INVALID':
    'The answer from {idp} could not be read, so you were not signed in. Please start again; if it persists, tell the repository managers.',
  'error.SAML_IDP_REFUSED': '{idp} did not sign you in. Please start again.',
  'error.SAML_SIGNATURE_INVALID':
    'The answer that claimed to come from {idp} was not signed by it, so it was refused. Nothing was changed.',
  'error.SAML_ISSUER_MISMATCH':
    'The answer came from another institution than {idp}, the one the sign-in was started with, so it was refused.',
  'error.SAML_AUDIENCE_MISMATCH': 'The answer from {idp} was meant for another service, so it was refused.',
  'error.SAML_RECIPIENT_MISMATCH': 'The answer from {idp} was meant for another address, so it was refused.',
  'error.SAML_DESTINATION_MISMATCH': 'The answer from {idp} was sent to another address, so it was refused.',
  'error.SAML_EXPIRED': 'The answer from {idp} has expired (or the clocks differ too much). Please start again.',
  'error.SAML_REPLAYED': 'This answer from {idp} was used already. Please start the sign-in again.',
  'error.SAML_UNSOLICITED':
    'Sign-ins started at {idp} are not accepted here. Start from this service’s sign-in page instead.',
  'error.SAML_REQUEST_UNKNOWN':
    'The answer from {idp} does not belong to a sign-in started here, or it took too long. Please start again.',
  'error.SAML_NAMEID_QUALIFIER': 'The identifier {idp} sent was issued by or for someone else, so it was refused.',
  'error.SAML_SCOPE_FOREIGN':
    '{idp} sent an identifier that belongs to another organisation ({scope}), so it was refused. Tell your institution’s IT service.',
  'error.SAML_NO_SUBJECT':
    '{idp} did not release an identifier that stays the same from one sign-in to the next, so you cannot be signed in. Ask your institution’s IT service to release a persistent identifier (subject-id, pairwise-id or a persistent NameID) to this service.',
  'error.SAML_FLOW_INVALID': 'This sign-in was not started in this browser, or it took too long. Please start again.',
  'error.SHIBBOLETH_HEADERS_UNTRUSTED': 'This sign-in did not come through the institution’s sign-in service.',
  'error.SHIBBOLETH_HEADERS_INVALID':
    'The institution’s sign-in service passed on something Lanyard cannot use. Please start again; if it happens again, tell the repository’s support.',

  // pages and feedback (issue 15)
  'mail.ignoreLink': 'If this was not you, ignore this email: nothing is linked unless the link is opened.',
  'profile.noName': 'No name given',
  'review.unchanged': 'These stay as they are',
  'flash.signedOut': 'You are signed out.',
  'devMail.intro': 'Demo mode without SMTP: the mails Lanyard would send are kept here instead. Newest first.',
  'devMail.empty': 'No mail yet.',
  'devMail.to': 'To',
  'devMail.heldBack':
    'Held back, not sent: this address already had {max, plural, one {# mail} other {# mails}} in the last hour. The page told the person when to ask again.',
  'devMail.noAccount':
    'Not sent: no active account uses this address. It still counts towards the hourly limit, so the answer to the request never tells whether an account exists.',
  'flash.mailHeldBack':
    'If the address is right, a link is already on its way: we send at most {max, plural, one {# mail} other {# mails}} an hour to one address, so no new one was sent now. You can ask for another in {minutes, plural, one {# minute} other {# minutes}}.',
  'flash.accountCreated': 'Your account is ready and you are signed in.',
  'flash.linked': 'Your {provider} is now linked to your account. You can use it to sign in.',
  'flash.linkedSignIn': 'Your {provider} is now linked to your account. Sign in to continue.',
  'flash.accountCreatedSignIn': 'Your account is ready. Sign in to continue.',
  'flash.autoLinked':
    'Welcome back. Your {identity} is now linked to your account: {provider} confirmed your address {email}. We sent a notice to it.',
  'flash.passwordReset': 'Your new password is saved and you are signed in.',
  'flash.identityRemoved': '{provider} was removed from your account. It can no longer be used to sign in here.',
} as const;

export type MessageKey = keyof typeof en;
export type Messages = Record<MessageKey, string>;
