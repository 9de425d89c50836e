import type { Messages } from './en.js';

export const de: Messages = {
  'lang.name': 'Deutsch',
  'app.name': 'Lanyard',
  'nav.skip': 'Zum Inhalt springen',
  'nav.signIn': 'Anmelden',
  'nav.signOut': 'Abmelden',
  'nav.profile': 'Ihr Konto',
  'nav.register': 'Konto anlegen',
  'nav.language': 'Sprache',
  'nav.main': 'Hauptmenü',
  'nav.devMail': 'Entwickler-Postfach',
  'footer.text': 'Lanyard — Anmeldung für Forschungsrepositorien',
  'demo.banner': 'Demomodus: „Mit ORCID anmelden“ verwendet den eingebauten ORCID-Emulator, nicht das echte ORCID.',

  'login.title': 'Anmelden',
  'onward.title': 'Weiter zu {provider}',
  'onward.text': 'Sie werden zur Anmeldung zu {provider} weitergeleitet …',
  'onward.button': 'Weiter zu {provider}',
  'oidc.continue.title': 'Angemeldet',
  'oidc.continue.text': 'Sie sind angemeldet. Sie werden zur Anwendung zurückgebracht …',
  'oidc.continue.button': 'Weiter zur Anwendung',
  'oidc.error.title': 'Diese Anmeldeanfrage wurde abgelehnt',
  'oidc.error.text':
    'Die Anwendung, die Sie hierher geschickt hat, hat eine Anfrage gestellt, die Lanyard nicht beantworten kann. Gehen Sie zu ihr zurück und melden Sie sich erneut an; wenn das wieder passiert, wenden Sie sich an die Betreiber der Anwendung.',
  'oidc.error.reason': 'Grund (für die Administratoren der Anwendung):',
  'oidc.logout.title': 'Abmelden',
  'oidc.logout.text': '{client} hat Sie abgemeldet. Möchten Sie sich auch bei Lanyard abmelden?',
  'oidc.logout.textAnonymous': 'Eine Anwendung meldet Sie ab. Möchten Sie sich auch bei Lanyard abmelden?',
  'oidc.logout.yes': 'Bei Lanyard abmelden',
  'oidc.logout.no': 'Bei Lanyard angemeldet bleiben',
  'oidc.loggedOut.title': 'Abgemeldet',
  'oidc.loggedOut.text': 'Sie sind abgemeldet. Sie können diese Seite schließen.',
  'oidc.consent.title': '{client} erlauben, Sie anzumelden?',
  'oidc.consent.intro': '{client} bittet Lanyard, zu bestätigen, wer Sie sind, und Folgendes weiterzugeben:',
  'oidc.consent.scope.openid': 'dass Sie es sind (eine gleichbleibende Kennung Ihres Kontos)',
  'oidc.consent.scope.email': 'Ihre bestätigte E-Mail-Adresse',
  'oidc.consent.scope.profile': 'Ihren Namen, Ihre Sprache und Ihre ORCID iD',
  'oidc.consent.scope.orcid': 'Ihre ORCID iD',
  'oidc.consent.scope.eduperson_scoped_affiliation':
    'Ihre Rolle an Ihrer Einrichtung, wie diese sie übermittelt hat (z. B. staff@uni.example)',
  'oidc.consent.scope.orcid.works':
    'Ihren ORCID-Eintrag zu lesen und die Werke, die sie dort einträgt, über Lanyard hinzuzufügen, zu ändern oder zu löschen',
  'oidc.consent.scope.offline_access': 'Zugriff, während Sie abwesend sind (bis Sie ihn widerrufen)',
  'oidc.consent.remember': 'Lanyard merkt sich Ihre Antwort; Sie können sie jederzeit in Ihrem Profil widerrufen.',
  'oidc.consent.account': 'Sie sind bei Lanyard als {email} angemeldet.',
  'oidc.consent.anotherAccount': 'Nicht Sie? Anderes Konto verwenden',
  'oidc.consent.allow': 'Erlauben',
  'oidc.consent.deny': 'Abbrechen',
  'login.email': 'E-Mail-Adresse',
  'login.password': 'Passwort',
  'login.submit': 'Anmelden',
  'login.or': 'oder',
  'login.orcid': 'Mit ORCID anmelden',
  'login.orcidHint': 'Melden Sie sich mit Ihrer ORCID iD an oder legen Sie damit Ihr Konto an.',
  'login.orcidHintAgain': 'Bestätigen Sie mit Ihrer ORCID iD, dass Sie es sind.',
  'login.provider': 'Mit {provider} anmelden',
  'login.forgot': 'Passwort vergessen?',
  'login.noAccount': 'Noch kein Konto?',
  'login.failed': 'E-Mail-Adresse oder Passwort sind nicht korrekt.',
  'login.linkingHint': 'Melden Sie sich bei dem Konto an, mit dem Sie Ihre {provider} verknüpfen möchten.',
  'login.linkingHintAny': 'Melden Sie sich bei dem Konto an, das Sie verknüpfen möchten.',
  'login.forClient': 'Melden Sie sich an, um mit {client} fortzufahren.',
  'login.forUnnamedClient': 'Melden Sie sich an, um mit der hier als {clientId} registrierten Anwendung fortzufahren.',

  'register.title': 'Konto anlegen',
  'register.intro':
    'Geben Sie Ihre E-Mail-Adresse ein. Wir senden Ihnen einen Link, mit dem Sie Namen und Passwort festlegen.',
  'register.submit': 'Link senden',
  'register.disabled': 'Dieser Dienst erlaubt keine Selbstregistrierung. Bitte wenden Sie sich an das Repository-Team.',
  'register.complete.title': 'Konto fertig anlegen',
  'register.givenName': 'Vorname',
  'register.familyName': 'Nachname',
  'register.password': 'Passwort',
  'register.passwordHint': 'Mindestens 10 Zeichen.',
  'register.passwordConfirm': 'Passwort wiederholen',
  'register.complete.submit': 'Mein Konto anlegen',
  'register.passwordMismatch': 'Die beiden Passwörter stimmen nicht überein.',

  'password.too_short': 'Das Passwort muss mindestens 10 Zeichen haben.',
  'password.too_long': 'Das Passwort ist zu lang (höchstens 256 Zeichen).',
  'password.is_email': 'Das Passwort darf nicht Ihre E-Mail-Adresse sein.',

  'forgot.title': 'Passwort zurücksetzen',
  'forgot.intro':
    'Geben Sie die E-Mail-Adresse Ihres Kontos ein. Falls es existiert, senden wir einen Link für ein neues Passwort.',
  'forgot.submit': 'Link senden',
  'forgot.reset.title': 'Neues Passwort wählen',
  'forgot.reset.submit': 'Neues Passwort speichern',

  'confirm.title': 'Bitte prüfen Sie Ihr Postfach',
  'confirm.body':
    'Falls die Adresse verwendet werden kann, haben wir ihr eine E-Mail gesendet. Folgen Sie dem Link darin. Der Link ist nur begrenzt gültig.',

  'profile.title': 'Ihr Konto',
  'profile.email': 'E-Mail-Adresse',
  'profile.name': 'Name',
  'profile.verified': 'bestätigt',
  'profile.unverified': 'nicht bestätigt',
  'profile.identities': 'Anmeldewege',
  'profile.provider.password': 'Passwort',
  'profile.identity.linked': 'Verknüpft',
  'profile.identity.lastUsed': 'Zuletzt verwendet',
  'profile.identity.released': 'Übermittelt',
  'profile.identity.nothing': 'kein Name, keine E-Mail',
  'profile.names': 'Ihr Name',
  'profile.names.submit': 'Namen speichern',
  'profile.addPassword': 'Passwort hinzufügen',
  'profile.addPassword.lead':
    'Melden Sie sich auch mit {email} und einem Passwort an, falls Ihre anderen Anmeldewege einmal nicht zur Hand sind.',
  'profile.addPassword.submit': 'Passwort hinzufügen',
  'profile.changePassword': 'Passwort ändern',
  'profile.currentPassword': 'Aktuelles Passwort',
  'profile.newPassword': 'Neues Passwort',
  'profile.changePassword.submit': 'Passwort ändern',
  'profile.passwordChanged': 'Ihr Passwort wurde geändert. Andere Sitzungen wurden abgemeldet.',
  'profile.linkOrcid': 'ORCID iD verknüpfen',
  'profile.linkProvider': '{provider} verknüpfen',
  'login.reauth':
    'Bitte bestätigen Sie, dass Sie es sind: Melden Sie sich erneut an. Danach geht es dort weiter, wo Sie waren.',
  'remove.title': '„{identity}“ entfernen?',
  'remove.lead':
    'Sie können sich dann nicht mehr mit „{identity}“ anmelden. Ihr Konto und Ihre anderen Anmeldewege bleiben, wie sie sind.',
  'remove.submit': '„{identity}“ entfernen',
  'remove.cancel': 'Behalten und zurück zum Konto',
  'profile.unlink': 'Entfernen',
  'profile.lastUsed': 'zuletzt verwendet',
  'profile.linked': 'verknüpft',

  'error.title': 'Etwas ist schiefgegangen',
  'error.back': 'Zurück zur Anmeldung',
  'error.backToAccount': 'Zurück zu Ihrem Konto',
  'error.code': 'Fehlercode',
  'error.NOT_FOUND': 'Diese Seite gibt es nicht.',
  'error.METHOD_NOT_ALLOWED': 'Diese Seite lässt sich so nicht aufrufen: Folgen Sie einem Link oder Formular dorthin.',
  'error.CSRF_FAILED':
    'Das Formular ist abgelaufen oder kam von einer anderen Seite. Laden Sie die Seite neu und versuchen Sie es erneut.',
  'error.RATE_LIMITED': 'Zu viele Versuche. Warten Sie eine Minute und versuchen Sie es erneut.',
  'error.TOKEN_INVALID': 'Dieser Link ist ungültig. Fordern Sie einen neuen an.',
  'error.TOKEN_EXPIRED': 'Dieser Link ist abgelaufen. Fordern Sie einen neuen an.',
  'error.TOKEN_CONSUMED': 'Dieser Link wurde bereits verwendet. Fordern Sie bei Bedarf einen neuen an.',
  'error.REGISTRATION_OTHER_BROWSER':
    'Dieser Link funktioniert nur in dem Browser, in dem die Anmeldung stattfand. Wenn Sie sie begonnen haben, kehren Sie zu diesem Browser zurück; sonst melden Sie sich hier selbst an.',
  'error.CONFIRMATION_REQUIRED': 'Bitte bestätigen Sie mit dem Häkchen, dass diese Identität Ihnen gehört.',
  'error.IDENTITY_PROOF_REQUIRED':
    'Dieser Link wurde in einem anderen Browser geöffnet als dem, der sich mit {provider} angemeldet hat. Melden Sie sich hier zuerst mit {provider} an, damit wir wissen, dass Sie es sind, oder öffnen Sie den Link in dem Browser, mit dem Sie sich angemeldet haben.',
  'error.IDENTITY_PROOF_MISMATCH':
    'Sie haben sich mit {provider} als jemand anderes angemeldet als die Person, für die dieser Link verschickt wurde. Es wurde nichts verknüpft oder angelegt. Wenn Sie den Link angefordert haben, melden Sie sich mit {provider} als die darin genannte Person an.',
  'error.TOKEN_WRONG_TYPE': 'Dieser Link kann hier nicht verwendet werden.',
  'error.TOKEN_REGISTRATION_MISMATCH': 'Dieser Link gehört nicht zu dieser Anfrage.',
  'error.VALIDATION_FAILED': 'Einige Angaben fehlen oder sind ungültig.',
  'error.INVALID_EMAIL': 'Das ist keine gültige E-Mail-Adresse.',
  'error.BODY_TOO_LARGE': 'Die Anfrage ist zu groß.',
  'error.AUTH_REQUIRED': 'Bitte melden Sie sich zuerst an.',
  'error.REAUTH_REQUIRED': 'Bitte bestätigen Sie, dass Sie es sind: Melden Sie sich erneut an.',
  'error.EMAIL_TAKEN': 'Es gibt bereits ein Konto mit dieser E-Mail-Adresse. Melden Sie sich dort an.',
  'error.SELF_REGISTRATION_DISABLED':
    'Dieser Dienst erlaubt keine Selbstregistrierung. Bitte wenden Sie sich an das Repository-Team.',
  'error.INTERNAL': 'Ein unerwarteter Fehler ist aufgetreten. Versuchen Sie es später erneut.',
  'error.generic': 'Die Anfrage konnte nicht ausgeführt werden.',

  'mail.greeting': 'Guten Tag,',
  'mail.ignore': 'Wenn Sie das nicht angefordert haben, können Sie diese E-Mail ignorieren.',
  'mail.validFor':
    '{unit, select, days {Der Link ist {count, plural, one {# Tag} other {# Tage}} gültig.} other {Der Link ist {count, plural, one {# Stunde} other {# Stunden}} gültig.}}',
  'mail.register.subject': 'Ihr {app}-Konto anlegen',
  'mail.register.body': 'Um Ihr Konto anzulegen, öffnen Sie diesen Link:',
  'mail.exists.subject': 'Ihr {app}-Konto',
  'mail.exists.body':
    'Jemand wollte mit dieser Adresse ein Konto anlegen, aber Sie haben bereits eines. Um ein neues Passwort zu setzen, öffnen Sie diesen Link:',
  'mail.forgot.subject': 'Ihr {app}-Passwort zurücksetzen',
  'mail.forgot.body': 'Um ein neues Passwort zu wählen, öffnen Sie diesen Link:',
  'mail.passwordChanged.subject': 'Ihr {app}-Passwort wurde geändert',
  'mail.passwordChanged.body':
    'Das Passwort Ihres Kontos wurde geändert. Falls Sie das nicht waren, setzen Sie Ihr Passwort jetzt zurück und informieren Sie das Repository-Team.',
  'mail.external.subject': 'Bestätigen Sie Ihre E-Mail-Adresse für die Anmeldung bei {app} mit {provider}',
  'mail.external.body':
    'Sie haben sich mit {provider} {identifier} angemeldet und diese E-Mail-Adresse angegeben. Um sie zu bestätigen und fortzufahren, öffnen Sie diesen Link:',
  'mail.otherDevice':
    'Sie lesen dies auf einem anderen Gerät als dem, mit dem Sie sich angemeldet haben? Fahren Sie stattdessen hier fort; dort melden Sie sich zuerst mit {provider} an:',
  'mail.validation.subject': '{provider} mit Ihrem {app}-Konto verknüpfen',
  'mail.validation.body':
    'Jemand hat sich mit {provider} {identifier} angemeldet und möchte sie mit dem Konto dieser Adresse verknüpfen. Wenn Sie das waren, öffnen Sie diesen Link, um zu prüfen und zu bestätigen:',
  'mail.linked.subject': '{provider} wurde mit Ihrem {app}-Konto verknüpft',
  'mail.linked.body':
    '{provider} {identifier} wurde mit Ihrem Konto verknüpft und kann jetzt zur Anmeldung verwendet werden. Falls Sie das nicht waren, entfernen Sie die Verknüpfung auf Ihrer Kontoseite und informieren Sie das Repository-Team:',
  'mail.removed.subject': '{provider} wurde aus Ihrem {app}-Konto entfernt',
  'mail.removed.body':
    '{provider}{identifier} wurde aus Ihrem Konto entfernt und kann nicht mehr zur Anmeldung verwendet werden. Falls Sie das nicht waren, melden Sie sich an, melden Sie Ihre anderen Geräte ab und informieren Sie das Repository-Team:',
  'mail.newDevice.subject': 'Neue Anmeldung bei Ihrem {app}-Konto',
  'mail.newDevice.body':
    'Ihr Konto wurde soeben von {device} mit {method} angemeldet, von der Adresse {address}. Wenn Sie das waren, ist nichts zu tun. Wenn nicht, melden Sie das Gerät auf Ihrer Geräteseite ab und ändern Sie Ihr Passwort oder entfernen Sie diesen Anmeldeweg:',
  'mail.merged.subject': 'Zwei Ihrer {app}-Konten wurden zusammengeführt',
  'mail.merged.body':
    'Das Repository-Team hat das Konto {duplicate} in das Konto {survivor} übernommen. Jeder Anmeldeweg von {duplicate} öffnet nun {survivor}, und {duplicate} kann nicht mehr verwendet werden; Anwendungen, die es zugelassen hatte, fragen erneut. Falls Sie das nicht erwartet haben, informieren Sie das Repository-Team. Ihr Konto:',
  'orcid.demoLabel': 'ORCID-Emulator (Demo)',
  'external.title': 'Anmeldung mit {provider} abschließen',
  'external.forClient': 'Schließen Sie diesen Schritt ab, um mit {client} fortzufahren.',
  'external.forUnnamedClient':
    'Schließen Sie diesen Schritt ab, um mit der hier als {clientId} registrierten Anwendung fortzufahren.',
  'external.authenticated': '{provider} hat Ihre Identität bestätigt:',
  'external.name': 'Name',
  'external.email': 'E-Mail-Adresse',
  'external.email_unknown': 'Hier verwendet noch kein Konto die Adresse {email}.',
  'external.create': 'Mein Konto anlegen',
  'external.createHint': 'Ihr neues Konto verwendet {email}; die Adresse ist bereits bestätigt.',
  'external.needEmail.title': 'Wir benötigen Ihre E-Mail-Adresse',
  'external.needEmail.no_email':
    'Ihr Datensatz bei {provider} gibt uns keine E-Mail-Adresse frei. Geben Sie Ihre ein: Damit finden wir Ihr Konto hier oder legen eines an.',
  'external.needEmail.email_unverified':
    'Ihr Datensatz bei {provider} gibt keine bestätigte E-Mail-Adresse frei. Geben Sie Ihre ein: Damit finden wir Ihr Konto hier oder legen eines an.',
  'external.needEmail.email_untrusted':
    'Dieser Dienst erkennt Konten nicht an der E-Mail-Adresse von {provider}. Geben Sie Ihre ein: Damit finden wir Ihr Konto hier oder legen eines an.',
  'external.needEmail.account_email_unverified':
    'Bevor wir Ihre Anmeldung „{identity}“ verknüpfen, müssen wir Ihre E-Mail-Adresse bestätigen. Geben Sie sie ein, und wir senden Ihnen einen Link.',
  'external.needEmail.account_merged':
    'Das Konto mit der E-Mail-Adresse aus {provider} wurde mit einem anderen zusammengeführt. Geben Sie die Adresse des Kontos ein, das Sie jetzt nutzen, und wir senden Ihnen einen Link.',
  'external.needEmail.email_unknown':
    'Falls Sie für Ihr Konto hier eine andere Adresse verwenden, geben Sie diese ein.',
  'external.emailLabel': 'Ihre E-Mail-Adresse',
  'external.emailHint':
    'Wir senden einen Link an diese Adresse. Gehört sie zu einem Konto, verknüpft der Link Ihre Anmeldung „{identity}“ mit diesem Konto.',
  'external.sendLink': 'Link senden',
  'external.otherEmail': 'Andere E-Mail-Adresse verwenden',
  'external.linkExisting': 'Anmelden und bestehendes Konto verknüpfen',
  'external.linkExistingHint':
    'Sie haben hier schon ein Konto? Melden Sie sich an, und wir verknüpfen Ihre Anmeldung „{identity}“ damit.',
  'external.prove.whose': 'Dieser Link wurde für diese Anmeldung mit {provider} verschickt:',
  'external.prove.title': 'Bestätigen Sie, dass Sie es sind',
  'external.prove.body':
    'Dieser Link wurde an {email} geschickt, für eine Anmeldung mit {provider} in einem anderen Browser. Um hier fortzufahren, melden Sie sich mit {provider} als {id} an. Wenn Sie den Link nicht angefordert haben, schließen Sie diese Seite: Es wird nichts angelegt oder verknüpft.',
  'external.prove.button': 'Mit {provider} anmelden und fortfahren',
  'flash.proved':
    'Danke: Sie haben sich mit {provider} als die Person angemeldet, für die dieser Link verschickt wurde. Sie können den Vorgang jetzt hier abschließen.',
  'external.noCreate':
    'Dieser Dienst legt Konten nicht selbst an. Verknüpfen Sie Ihre Anmeldung „{identity}“ mit Ihrem bestehenden Konto: Melden Sie sich an oder geben Sie dessen E-Mail-Adresse ein.',
  'review.title': 'Kontodaten prüfen',
  'review.intro':
    'Bevor Ihre Anmeldung „{identity}“ mit dem Konto {email} verknüpft wird, wählen Sie, welche Werte gelten sollen. Ein Klick speichert alle Entscheidungen.',
  'review.field': 'Angabe',
  'review.received': 'Von {provider} erhalten',
  'review.current': 'Aktueller Wert',
  'review.choice': 'Behalten',
  'review.useReceived': 'Erhalten',
  'review.keepCurrent': 'Aktuell',
  'review.field.givenName': 'Vorname',
  'review.field.familyName': 'Nachname',
  'review.field.email': 'E-Mail-Adresse',
  'review.empty': '(leer)',
  'review.linking': 'Zu verknüpfen ({identity})',
  'review.notYouSignedIn':
    'Wenn „{identity}“ nicht Ihnen gehört, fahren Sie nicht fort: Schließen Sie die Seite, dann wird nichts verknüpft.',
  'review.notYou':
    'Wenn „{identity}“ nicht Ihnen gehört, fahren Sie nicht fort: Schließen Sie die Seite, und der Link verfällt ungenutzt.',
  'review.confirm':
    'Ich habe mich selbst bei {provider} als {id} angemeldet. Diese Anmeldung gehört mir und darf das Konto {email} öffnen.',
  'external.confirm':
    'Ich habe mich selbst bei {provider} als {id} angemeldet. Diese Anmeldung gehört mir und darf ein neues Konto für {email} öffnen.',
  'review.submit': '{identity} verknüpfen und speichern',
  'profile.applications': 'Verbundene Anwendungen',
  'profile.applications.lead':
    'Diese Anwendungen melden Sie über Lanyard an. Wenn Sie den Zugriff entziehen, enden ihre Anmeldung und ihre Tokens sofort; beim nächsten Mal fragen sie erneut.',
  'profile.applications.since': 'erlaubt seit {date}',
  'profile.applications.receives': 'Erhält:',
  'profile.applications.revoke': 'Zugriff entziehen',
  'profile.unlinkHint': 'Zum Entfernen eines Anmeldewegs ist eine kürzliche Anmeldung nötig.',
  'error.retry': 'Erneut versuchen',
  'error.INVALID_CREDENTIALS': 'E-Mail-Adresse oder Passwort sind nicht korrekt.',
  'error.OIDC_INTERACTION_EXPIRED':
    'Diese Anmeldung für eine Anwendung ist abgelaufen oder wurde in einem anderen Browser begonnen. Gehen Sie zurück zur Anwendung und melden Sie sich erneut an.',
  'error.OAUTH_STATE_INVALID':
    'Diese Anmeldung wurde nicht in diesem Browser begonnen, seither durch eine neuere ersetzt oder hat zu lange gedauert. Bitte beginnen Sie erneut.',
  'error.OAUTH_CALLBACK_EMPTY':
    '{provider} hat Sie ohne Antwort zurückgeschickt (die Anfrage wurde vielleicht abgelehnt). Bitte beginnen Sie erneut.',
  'error.OAUTH_CALLBACK_INVALID':
    'Die Antwort von {provider} wurde auf dem Weg zu uns verändert und kann nicht verwendet werden. Bitte beginnen Sie erneut.',
  'error.OAUTH_CODE_INVALID':
    '{provider} hat diese Anmeldung nicht angenommen (abgelaufen oder schon verwendet). Bitte beginnen Sie erneut.',
  'error.PROVIDER_ACCESS_DENIED':
    'Sie haben den Zugriff bei {provider} nicht erlaubt, daher wurden Sie nicht angemeldet.',
  'error.PROVIDER_ERROR':
    '{provider} hat etwas geantwortet, das wir nicht verwenden können. Bitte versuchen Sie es erneut; bleibt der Fehler, informieren Sie das Repository-Team.',
  'error.PROVIDER_UNAVAILABLE':
    '{provider} ist gerade nicht erreichbar. Bitte versuchen Sie es in einigen Minuten erneut.',
  'error.PROVIDER_NOT_CONFIGURED': 'Die Anmeldung mit diesem Dienst ist hier nicht eingerichtet.',
  'error.OIDC_ISSUER_MISMATCH':
    'Diese Antwort kam nicht von {provider}, wo die Anmeldung begonnen hat. Bitte beginnen Sie erneut.',
  'error.OIDC_NONCE_MISMATCH':
    'Die Antwort von {provider} gehört zu einer anderen Anmeldung. Bitte beginnen Sie erneut.',
  'error.OIDC_ID_TOKEN_INVALID':
    '{provider} hat eine Anmeldebestätigung geschickt, die wir nicht annehmen können. Bitte versuchen Sie es erneut; bleibt der Fehler, informieren Sie das Repository-Team.',
  'error.OIDC_USERINFO_MISMATCH':
    '{provider} hat eine andere Person beschrieben als die, die sich angemeldet hat. Bitte versuchen Sie es erneut; bleibt der Fehler, informieren Sie das Repository-Team.',
  'error.IDENTITY_LINKED_ELSEWHERE':
    '{identity} ist bereits mit einem anderen Konto verknüpft. Melden Sie sich damit an, um jenes Konto zu nutzen, oder bitten Sie das Repository-Team, die Konten zusammenzuführen.',
  'error.IDENTITY_ALREADY_LINKED':
    'Mit dem Konto ist bereits eine andere Anmeldung „{identity}“ verknüpft. Entfernen Sie diese zuerst auf Ihrer Kontoseite.',
  'error.ACCOUNT_DISABLED': 'Dieses Konto ist gesperrt. Wenden Sie sich an das Repository-Team.',
  'error.ACCOUNT_EMAIL_UNVERIFIED':
    'Das Konto hat seine E-Mail-Adresse noch nicht bestätigt. Setzen Sie das Passwort zurück (das bestätigt sie) und verknüpfen Sie dann erneut.',
  'error.LAST_SIGN_IN_METHOD': 'Dies ist der letzte Anmeldeweg für Ihr Konto; fügen Sie erst einen weiteren hinzu.',
  'error.FORBIDDEN': 'Das ist Ihnen nicht erlaubt.',
  'error.REGISTRATION_EMAIL_STATE': 'Zuerst wird eine E-Mail-Adresse benötigt.',
  'error.REGISTRATION_NOT_FOUND': 'Diese Anfrage gibt es nicht.',

  // SAML and Shibboleth (issue 11)
  'saml.discovery.title': 'Wählen Sie Ihre Einrichtung',
  'saml.discovery.intro':
    'Anmeldung über {federation}: Suchen Sie Ihre Hochschule oder Ihr Institut und melden Sie sich dort an.',
  'saml.discovery.search': 'Ihre Einrichtung',
  'saml.discovery.searchHint': 'Geben Sie einen Teil des Namens ein oder eine Domain wie uni-beispiel.de.',
  'saml.discovery.submit': 'Suchen',
  'saml.discovery.recent': 'Auf diesem Gerät bereits verwendet',
  'saml.discovery.results': 'Einrichtungen',
  'saml.discovery.one': 'Eine Einrichtung passt zu „{q}“.',
  'saml.discovery.many': '{count} Einrichtungen passen zu „{q}“.',
  'saml.discovery.none':
    'Keine Einrichtung passt zu „{q}“. Prüfen Sie die Schreibweise oder versuchen Sie es mit der Domain.',
  'saml.discovery.more': 'Die ersten {shown} werden angezeigt: Geben Sie mehr vom Namen ein, um Ihre zu finden.',
  'saml.discovery.typeToSearch':
    '{count} Einrichtungen nehmen teil. Geben Sie den Namen Ihrer Einrichtung ein, um sie zu finden.',
  'saml.discovery.loading': 'Die Liste der Einrichtungen wird geladen. Bitte versuchen Sie es in einer Minute erneut.',
  'saml.identity': 'Konto bei {idp}',
  'error.SAML_IDP_UNKNOWN': 'Die Einrichtung „{idp}“ ist hier nicht bekannt. Wählen Sie sie erneut aus der Liste.',
  'error.SAML_METADATA_UNAVAILABLE':
    'Die Liste der Einrichtungen ist noch nicht verfügbar. Bitte versuchen Sie es in einigen Minuten erneut; bleibt der Fehler, informieren Sie das Repository-Team.',
  'error.SAML_METADATA_EXPIRED':
    'Die Angaben über {idp} sind veraltet, daher kann Lanyard Sie dort derzeit nicht anmelden. Bitte versuchen Sie es später erneut; bleibt der Fehler, informieren Sie das Repository-Team.',
  'error.SAML_RESPONSE_INVALID':
    'Die Antwort von {idp} war nicht lesbar, daher wurden Sie nicht angemeldet. Bitte beginnen Sie erneut; bleibt der Fehler, informieren Sie das Repository-Team.',
  'error.SAML_IDP_REFUSED': '{idp} hat Sie nicht angemeldet. Bitte beginnen Sie erneut.',
  'error.SAML_SIGNATURE_INVALID':
    'Die Antwort, die angeblich von {idp} kam, war nicht von dort signiert und wurde abgelehnt. Es wurde nichts geändert.',
  'error.SAML_SIGNATURE_WEAK':
    'Die Antwort von {idp} war mit SHA-1 signiert, das gefälscht werden kann, und wurde abgelehnt. Es wurde nichts geändert. Bitte informieren Sie das Repository-Team.',
  'error.SAML_ISSUER_MISMATCH':
    'Die Antwort kam von einer anderen Einrichtung als {idp}, bei der die Anmeldung begonnen wurde, und wurde abgelehnt.',
  'error.SAML_AUDIENCE_MISMATCH': 'Die Antwort von {idp} war für einen anderen Dienst bestimmt und wurde abgelehnt.',
  'error.SAML_RECIPIENT_MISMATCH': 'Die Antwort von {idp} war für eine andere Adresse bestimmt und wurde abgelehnt.',
  'error.SAML_DESTINATION_MISMATCH': 'Die Antwort von {idp} wurde an eine andere Adresse geschickt und abgelehnt.',
  'error.SAML_EXPIRED':
    'Die Antwort von {idp} ist abgelaufen (oder die Uhren gehen zu unterschiedlich). Bitte beginnen Sie erneut.',
  'error.SAML_REPLAYED': 'Diese Antwort von {idp} wurde bereits verwendet. Bitte beginnen Sie die Anmeldung erneut.',
  'error.SAML_UNSOLICITED':
    'Anmeldungen, die bei {idp} beginnen, werden hier nicht angenommen. Beginnen Sie auf der Anmeldeseite dieses Dienstes.',
  'error.SAML_REQUEST_UNKNOWN':
    'Die Antwort von {idp} gehört zu keiner hier begonnenen Anmeldung, oder die Anmeldung hat zu lange gedauert. Bitte beginnen Sie erneut.',
  'error.SAML_NAMEID_QUALIFIER':
    'Die Kennung, die {idp} gesendet hat, wurde von jemand anderem oder für jemand anderen ausgestellt und abgelehnt.',
  'error.SAML_SCOPE_FOREIGN':
    '{idp} hat eine Kennung einer anderen Organisation ({scope}) gesendet; sie wurde abgelehnt. Informieren Sie die IT Ihrer Einrichtung.',
  'error.SAML_NO_SUBJECT':
    '{idp} hat keine dauerhafte Kennung übermittelt, daher können Sie nicht angemeldet werden. Bitten Sie die IT Ihrer Einrichtung, diesem Dienst eine dauerhafte Kennung (subject-id, pairwise-id oder eine persistente NameID) freizugeben.',
  'error.SAML_FLOW_INVALID':
    'Diese Anmeldung wurde nicht in diesem Browser begonnen oder hat zu lange gedauert. Bitte beginnen Sie erneut.',
  'error.SHIBBOLETH_HEADERS_UNTRUSTED': 'Diese Anmeldung kam nicht über den Anmeldedienst der Einrichtung.',
  'error.SHIBBOLETH_HEADERS_INVALID':
    'Der Anmeldedienst der Einrichtung hat etwas übermittelt, das Lanyard nicht verwenden kann. Bitte beginnen Sie erneut; wenn es wieder geschieht, wenden Sie sich an den Support des Repositoriums.',

  // pages and feedback (issue 15)
  'mail.ignoreLink':
    'Falls Sie das nicht waren, ignorieren Sie diese E-Mail: Ohne Öffnen des Links wird nichts verknüpft.',
  'profile.noName': 'Kein Name angegeben',
  'review.unchanged': 'Diese Angaben bleiben unverändert',
  'flash.signedOut': 'Sie sind abgemeldet.',
  'devMail.intro':
    'Demomodus ohne SMTP: Die E-Mails, die Lanyard senden würde, werden stattdessen hier gezeigt. Neueste zuerst.',
  'devMail.empty': 'Noch keine E-Mails.',
  'devMail.to': 'An',
  'devMail.heldBack':
    'Zurückgehalten, nicht gesendet: Diese Adresse hat in der letzten Stunde bereits {max, plural, one {# E-Mail} other {# E-Mails}} erhalten. Die Seite hat der Person gesagt, wann sie es erneut versuchen kann.',
  'devMail.noAccount':
    'Nicht gesendet: Kein aktives Konto verwendet diese Adresse. Die Anfrage zählt trotzdem für das Stundenlimit, damit die Antwort nie verrät, ob ein Konto existiert.',
  'flash.linkSentTo':
    'Wir haben einen Link an {email} gesendet. Folgen Sie ihm, um fortzufahren; er ist nur begrenzt gültig. Nicht Ihre Adresse? Beginnen Sie die Anmeldung neu und geben Sie die richtige ein: Ohne Ihre Anmeldung lässt sich mit dem Link an diese Adresse nichts abschließen.',
  'flash.mailHeldBack':
    'Wenn die Adresse stimmt, ist bereits ein Link unterwegs: Wir senden höchstens {max, plural, one {# E-Mail} other {# E-Mails}} pro Stunde an eine Adresse, daher wurde jetzt keine neue gesendet. Sie können in {minutes, plural, one {# Minute} other {# Minuten}} einen weiteren Link anfordern.',
  'flash.accountCreated': 'Ihr Konto ist angelegt, und Sie sind angemeldet.',
  'flash.linked': 'Ihre {provider} ist jetzt mit Ihrem Konto verknüpft. Sie können sich damit anmelden.',
  'flash.linkedSignIn': 'Ihre {provider} ist jetzt mit Ihrem Konto verknüpft. Melden Sie sich an, um fortzufahren.',
  'flash.accountCreatedSignIn': 'Ihr Konto ist angelegt. Melden Sie sich an, um fortzufahren.',
  'flash.autoLinked':
    'Willkommen zurück. Ihre {identity} ist jetzt mit Ihrem Konto verknüpft: {provider} hat Ihre Adresse {email} bestätigt. Wir haben eine Nachricht an sie gesendet.',
  'flash.passwordReset': 'Ihr neues Passwort ist gespeichert, und Sie sind angemeldet.',
  'flash.identityRemoved':
    '{provider} wurde aus Ihrem Konto entfernt und kann hier nicht mehr zur Anmeldung verwendet werden.',
  'sessions.title': 'Geräte und Sitzungen',
  'sessions.lead':
    'Wo Ihr Konto gerade angemeldet ist. Melden Sie jedes Gerät ab, das Sie nicht kennen, und ändern Sie dann Ihr Passwort oder entfernen Sie den Anmeldeweg, den es benutzt hat.',
  'sessions.thisDevice': 'dieses Gerät',
  'sessions.unknownDevice': 'Unbekanntes Gerät',
  'sessions.device': '{browser} unter {os}',
  'sessions.how': 'Angemeldet mit',
  'sessions.mfa': 'Zwei-Faktor-Bestätigung',
  'sessions.signedIn': 'Angemeldet am',
  'sessions.lastSeen': 'Zuletzt aktiv',
  'sessions.address': 'Adresse',
  'sessions.signOut': 'Abmelden',
  'sessions.signOutOthers': 'Überall sonst abmelden',
  'sessions.onlyThis': 'Kein anderes Gerät ist bei Ihrem Konto angemeldet.',
  'sessions.back': 'Zurück zu Ihrem Konto',
  'activity.title': 'Sicherheitsereignisse',
  'activity.lead':
    'Die letzten {count} sicherheitsrelevanten Ereignisse Ihres Kontos, die neuesten zuerst. Wenn eines nicht von Ihnen stammt, melden Sie Ihre anderen Geräte ab und ändern Sie Ihr Passwort.',
  'activity.none': 'Bisher ist nichts geschehen.',
  'activity.when': 'Wann',
  'activity.what': 'Was',
  'activity.method': 'Womit',
  'activity.address': 'Adresse',
  'activity.refused': 'abgelehnt',
  'activity.byOperator': 'durch den Betrieb',
  'activity.action.sign_in': 'Angemeldet',
  'activity.action.sign_out': 'Abgemeldet',
  'activity.action.sign_in_throttled': 'Anmeldung nach zu vielen falschen Passwörtern pausiert',
  'activity.action.register': 'Konto angelegt',
  'activity.action.link': 'Anmeldeweg hinzugefügt',
  'activity.action.unlink': 'Anmeldeweg entfernt',
  'activity.action.merge': 'Kontodaten geprüft und aus einer Anmeldung übernommen',
  'activity.action.email_change': 'E-Mail-Adresse geändert',
  'activity.action.password_change': 'Passwort geändert',
  'activity.action.password_reset': 'Passwort zurückgesetzt',
  'activity.action.registration_created': 'Erste Anmeldung begonnen',
  'activity.action.registration_email_changed': 'E-Mail-Adresse für eine erste Anmeldung eingegeben',
  'activity.action.admin_action': 'Durch den Betrieb geändert',
  'activity.action.link_refused': 'Hinzufügen eines Anmeldewegs abgelehnt',
  'activity.action.session_revoked': 'Gerät abgemeldet',
  'activity.action.other': 'Sonstiges Ereignis',
  'profile.nav.sessions': 'Geräte und Sitzungen',
  'profile.nav.activity': 'Sicherheitsereignisse',
  'flash.namesSaved': 'Ihr Name ist gespeichert.',
  'flash.passwordAdded':
    'Ihr Passwort ist hinzugefügt. Sie können sich jetzt auch mit Ihrer E-Mail-Adresse und diesem Passwort anmelden.',
  'flash.sessionRevoked': '{device} ist von Ihrem Konto abgemeldet.',
  'flash.otherSessionsRevoked':
    '{count, plural, =0 {Kein anderes Gerät war angemeldet.} one {# anderes Gerät ist abgemeldet.} other {# andere Geräte sind abgemeldet.}}',
  'nav.admin': 'Betrieb',
  'admin.auditTrail.title': 'Prüfprotokoll',
  'admin.auditTrail.link': 'Prüfprotokoll',
  'admin.backToConsole': 'Zurück zur Betriebskonsole',
  'admin.auditTrail.account': 'Konto (ID oder E-Mail)',
  'admin.auditTrail.accountColumn': 'Konto',
  'admin.auditTrail.action': 'Ereignis',
  'admin.auditTrail.anyAction': 'Jedes Ereignis',
  'admin.auditTrail.provider': 'Anbieter (ID)',
  'admin.auditTrail.ip': 'Adresse',
  'admin.auditTrail.from': 'Von (TT.MM.JJJJ)',
  'admin.auditTrail.to': 'Bis (TT.MM.JJJJ)',
  'admin.auditTrail.filter': 'Ereignisse zeigen',
  'admin.auditTrail.shown':
    '{count, plural, =0 {Keine Ereignisse passen.} one {# Ereignis, das neueste zuerst.} other {# Ereignisse, die neuesten zuerst.}} Hier stehen höchstens {max}; alle passenden Ereignisse exportieren als',
  'admin.auditTrail.csv': 'CSV',
  'admin.auditTrail.jsonl': 'JSON-Zeilen',
  'admin.auditTrail.by': 'durch',
  'admin.auditTrail.badDays': 'Keine Ereignisse gezeigt: Ein Tag unten ist kein gültiger Tag.',
  'admin.auditTrail.none': 'Keine Ereignisse passen zu diesen Filtern.',
  'admin.title': 'Betriebskonsole',
  'admin.search.label': 'Konto finden',
  'admin.search.hint':
    'Teil einer E-Mail-Adresse oder eines Namens, eine ORCID iD in beliebiger Form oder die Kennung bei einem Anbieter.',
  'admin.search.button': 'Suchen',
  'admin.search.none': 'Kein Konto passt zu „{q}“.',
  'admin.search.results':
    '{count, plural, one {# Konto gefunden} other {# Konten gefunden}}{capped, select, yes { (nur die ersten {limit} werden gezeigt; grenzen Sie die Suche ein)} other {}}',
  'admin.col.name': 'Name',
  'admin.col.email': 'E-Mail',
  'admin.col.waysIn': 'Anmeldewege',
  'admin.col.state': 'Zustand',
  'admin.state.active': 'Aktiv',
  'admin.state.disabled': 'Gesperrt',
  'admin.state.merged': 'Übernommen',
  'admin.state.noSignIn': 'Darf sich nicht anmelden',
  'admin.state.admin': 'Admin',
  'admin.back': 'Zurück zur Suche',
  'admin.no': 'nein',
  'admin.account.emailVerified': 'E-Mail bestätigt',
  'admin.account.created': 'Angelegt',
  'admin.account.id': 'Konto-ID',
  'admin.account.mergedInto': 'Übernommen in',
  'admin.account.mergedHint':
    'Dieses Konto wurde in das oben genannte übernommen: Seine Anmeldewege liegen jetzt dort. Es bleibt gesperrt, damit es nicht wieder zu einem zweiten Konto derselben Person wird.',
  'admin.account.actions': 'Aktionen',
  'admin.account.identities': 'Anmeldewege',
  'admin.account.noIdentities': 'Kein Anmeldeweg ist verknüpft.',
  'admin.account.sessions': 'Angemeldete Geräte',
  'admin.account.noSessions': 'Kein Gerät ist angemeldet.',
  'admin.account.registrations': 'Laufende Registrierungen',
  'admin.account.noRegistrations': 'Keine Registrierung wartet.',
  'admin.account.audit': 'Protokoll (die letzten {count})',
  'admin.identity.subject': 'Kennung',
  'admin.identity.linked': 'Verknüpft',
  'admin.identity.lastUsed': 'Zuletzt benutzt',
  'admin.registration.provider': 'Begonnen mit',
  'admin.registration.started': 'Begonnen',
  'admin.registration.expires': 'Läuft ab',
  'admin.audit.by': 'Durch',
  'admin.audit.operator': 'den Betrieb',
  'admin.disable': 'Konto sperren',
  'admin.enable': 'Konto entsperren',
  'admin.signOutEverywhere': 'Alle Geräte abmelden',
  'admin.disableHint':
    'Sperren meldet das Konto überall ab und beendet, was es Repositorien über Lanyard erlaubt hat; Entsperren lässt es sich wieder anmelden.',
  'activity.action.account_disabled': 'Konto gesperrt',
  'activity.action.account_enabled': 'Konto entsperrt',
  'flash.admin.disabled':
    '{email} ist gesperrt. {count, plural, =0 {Kein Gerät war angemeldet.} one {# Gerät ist abgemeldet.} other {# Geräte sind abgemeldet.}}',
  'flash.admin.enabled': '{email} ist entsperrt und kann sich wieder anmelden.',
  'flash.admin.sessionsRevoked':
    '{count, plural, =0 {Kein Gerät von {email} war angemeldet.} one {# Gerät von {email} ist abgemeldet.} other {# Geräte von {email} sind abgemeldet.}}',
  'error.ADMIN_REQUIRED': 'Diese Seite ist nur für den Betrieb des Repositoriums.',
  'error.INVALID_DAY':
    'Geben Sie den Tag als TT.MM.JJJJ (oder JJJJ-MM-TT) an, ein Jahr von 1000 bis 9999, zum Beispiel 30.11.2026.',
  'error.LAST_ADMIN':
    'Dies ist das letzte Admin-Konto, mit dem sich jemand anmelden kann; ernennen Sie erst ein weiteres, bevor Sie es sperren.',
  'error.MERGE_SAME_ACCOUNT': 'Ein Konto kann nicht mit sich selbst zusammengeführt werden.',
  'error.MERGE_SAME_PROVIDER':
    'Beide Konten haben eine Anmeldung beim selben Anbieter; entfernen Sie eine davon vor dem Zusammenführen.',
  'error.MERGE_SURVIVOR_DISABLED':
    'Das Zielkonto ist gesperrt oder von der Anmeldung ausgeschlossen; entsperren Sie es zuerst (oder führen Sie umgekehrt zusammen).',
  'error.ACCOUNT_MERGED':
    'Dieses Konto wurde in ein anderes übernommen und bleibt gesperrt; seine Anmeldewege liegen jetzt bei jenem Konto.',
  'error.MERGE_NOTHING_TO_MOVE':
    'Das andere Konto hat keine Anmeldung mehr, die übernommen werden könnte; es wurde bereits zusammengeführt.',
  'admin.registration.cancel': 'Abbrechen',
  'activity.action.registration_cancelled': 'Registrierung abgebrochen',
  'activity.action.accounts_merged': 'Konten zusammengeführt',
  'activity.action.orcid_work_pushed': 'Werk in den ORCID-Eintrag geschrieben',
  'activity.action.orcid_work_deleted': 'Werk aus dem ORCID-Eintrag entfernt',
  'admin.merge.heading': 'Ein anderes Konto in dieses übernehmen',
  'admin.merge.label': 'E-Mail-Adresse oder ID des anderen Kontos',
  'admin.merge.hint':
    'Seine Anmeldewege werden hierher verschoben; es wird gesperrt. Sie sehen genau, was sich ändert, und bestätigen, bevor etwas geschieht.',
  'admin.merge.previewButton': 'Anzeigen, was sich ändert',
  'admin.merge.title': '{duplicate} in {survivor} übernehmen',
  'admin.merge.intro':
    'Noch hat sich nichts geändert. Das Zusammenführen erledigt alles Folgende auf einmal; beide Adressen erhalten eine Mitteilung.',
  'admin.merge.identities': 'Anmeldewege, die zu {survivor} wechseln',
  'admin.merge.tokens': 'mit den gespeicherten Tokens des Anbieters',
  'admin.merge.details': 'E-Mail-Adresse und Namen',
  'admin.merge.keeps': '{survivor} behält die eigene E-Mail-Adresse und die eigenen Namen ({names}).',
  'admin.merge.stays': '{duplicate} behält E-Mail-Adresse und Namen ({names}); sie werden nicht übernommen.',
  'admin.merge.ends': 'Was endet',
  'admin.merge.disabled': '{duplicate} wird gesperrt; sein Protokoll bleibt lesbar.',
  'admin.merge.sessions':
    '{count, plural, =0 {Kein Gerät ist bei {duplicate} angemeldet.} one {# bei {duplicate} angemeldetes Gerät wird abgemeldet.} other {# bei {duplicate} angemeldete Geräte werden abgemeldet.}}',
  'admin.merge.grants':
    '{count, plural, =0 {{duplicate} hat keiner Anwendung etwas erlaubt.} other {Was {duplicate} Anwendungen erlaubt hat, wird widerrufen ({clients}); sie fragen erneut.}}',
  'admin.merge.registrations':
    '{count, plural, =0 {Keine Registrierung von {duplicate} ist offen.} one {# offene Registrierung von {duplicate} wird abgebrochen.} other {# offene Registrierungen von {duplicate} werden abgebrochen.}}',
  'admin.merge.works':
    '{count, plural, one {# Werk, das Anwendungen über {duplicate} in einen ORCID-Eintrag geschrieben haben, geht mit der iD an {survivor}; erneutes Schreiben aktualisiert es.} other {# Werke, die Anwendungen über {duplicate} in einen ORCID-Eintrag geschrieben haben, gehen mit der iD an {survivor}; erneutes Schreiben aktualisiert sie.}}',
  'admin.merge.writes':
    '{count, plural, one {# Schreibauftrag an ORCID, der für {duplicate} wartet, geht an {survivor};} other {# Schreibaufträge an ORCID, die für {duplicate} warten, gehen an {survivor};}} {ended, plural, =0 {keiner kam von einer Anwendung, alle werden noch gesendet.} one {# von einer Anwendung endet mit ihrer Freigabe (die Anwendung schreibt erneut){rest, plural, =0 {.} other {; die übrigen werden noch gesendet.}}} other {# von Anwendungen enden mit ihren Freigaben (die Anwendungen schreiben erneut){rest, plural, =0 {.} other {; die übrigen werden noch gesendet.}}}}',
  'admin.merge.admin': '{survivor} wird Admin, wie es {duplicate} war.',
  'admin.merge.confirm': 'Konten zusammenführen',
  'admin.merge.back': 'Zurück zum Konto, ohne zusammenzuführen',
  'flash.admin.merged':
    '{duplicate} ist in dieses Konto übernommen: {count, plural, one {# Anmeldeweg wurde verschoben} other {# Anmeldewege wurden verschoben}}.',
  'flash.admin.registrationCancelled':
    'Die {type}-Registrierung von {email} ist abgebrochen; ihr Link gilt nicht mehr.',
  'flash.applicationRevoked':
    '{client} kann Sie nicht mehr anmelden und nicht mehr lesen, was Sie geteilt hatten. Beim nächsten Mal wird erneut gefragt.',
  // email change, operators' mails
  'mail.emailChange.subject': 'Bestätigen Sie Ihre neue E-Mail-Adresse für {app}',
  'mail.emailChange.body':
    'Sie möchten diese Adresse für Ihr Konto verwenden. Um sie zu bestätigen, öffnen Sie diesen Link:',
  'mail.emailChangeTaken.subject': 'Ihr Konto bei {app}',
  'mail.emailChangeTaken.body':
    'Jemand wollte ein anderes Konto auf die Adresse {email} umstellen. Mit dieser Adresse haben Sie aber schon ein Konto, daher wurde nichts geändert. Um zwei Konten zusammenzuführen, wenden Sie sich an die Repository-Verwaltung.',
  'mail.emailChanged.subject': 'Die E-Mail-Adresse Ihres Kontos bei {app} wurde geändert',
  'mail.emailChanged.body':
    'Am {at} wurde Ihr Konto auf die Adresse {email} umgestellt. An diese Adresse geht keine Post des Kontos mehr, und mit ihr und Ihrem Passwort können Sie sich nicht mehr anmelden. Wenn Sie das nicht waren: Melden Sie sich auf einem anderen Weg an, den Sie nutzen (ORCID, Ihre Einrichtung), stellen Sie in Ihrem Profil die Adresse zurück, ändern Sie Ihr Passwort und verständigen Sie sofort die Repository-Verwaltung. Bei Ihrem Konto anmelden:',
  'profile.emailChange': 'E-Mail-Adresse ändern',
  'profile.emailChange.lead':
    'Wir senden einen Link an die neue Adresse; Ihre Adresse ändert sich, sobald er geöffnet wird. Bis dahin bleibt {email}.',
  'profile.emailChange.label': 'Neue E-Mail-Adresse',
  'profile.emailChange.submit': 'Bestätigungslink senden',
  'emailChange.title': 'Neue E-Mail-Adresse bestätigen',
  'emailChange.lead': 'Ihr Konto verwendet ab jetzt {email}, bestätigt. Eine Mitteilung geht an {old}.',
  'emailChange.submit': 'Diese Adresse verwenden',
  'emailChange.keep': 'Bisherige Adresse behalten',
  'flash.emailChangeSent':
    'Wenn {email} Post empfangen kann, ist ein Link dorthin unterwegs. Ihre Adresse ändert sich, sobald Sie ihn öffnen.',
  'flash.emailChanged': 'Ihre E-Mail-Adresse ist jetzt {email}. Wir haben eine Mitteilung an {old} gesendet.',
  'flash.emailChangeSignInFirst':
    'Melden Sie sich bei dem Konto an, für das die neue Adresse angefragt wurde, um sie zu bestätigen.',
  'error.EMAIL_UNCHANGED': 'Diese Adresse hat Ihr Konto bereits.',
  'error.EMAIL_CHANGE_OTHER_ACCOUNT':
    'Dieser Link ändert die Adresse eines anderen Kontos als des hier angemeldeten. Melden Sie sich ab und öffnen Sie den Link erneut.',
  'activity.action.email_change_requested': 'Änderung der E-Mail-Adresse angefordert',
  'mail.accountDisabled.subject': 'Ihr Konto bei {app} wurde gesperrt',
  'mail.accountDisabled.body':
    'Die Repository-Verwaltung hat Ihr Konto gesperrt: Es kann nicht mehr zur Anmeldung verwendet werden, seine Sitzungen wurden beendet und Anwendungen, denen Sie Zugriff gegeben hatten, abgemeldet. Wenn Sie das nicht erwartet haben, fragen Sie die Repository-Verwaltung.',
  'admin.registration.resend': 'Erneut senden',
  'admin.registration.resendHint':
    'Erneutes Senden schickt einen neuen Link an die Adresse; der frühere Link gilt dann nicht mehr.',
  'flash.admin.registrationResent':
    'Der {type}-Link wurde erneut an {email} gesendet; der frühere Link gilt nicht mehr.',
  'flash.admin.registrationHeldBack':
    'Nichts wurde gesendet: {email} hat in der letzten Stunde bereits {max, plural, one {# E-Mail} other {# E-Mails}} erhalten. Der frühere Link gilt weiter. Versuchen Sie es in {minutes, plural, one {# Minute} other {# Minuten}} erneut.',
  'error.REGISTRATION_NOT_MAILED':
    'Diese Registrierung wurde nicht per E-Mail verschickt (sie gehört zu dem Browser, der sie begonnen hat) und kann daher nicht erneut gesendet werden.',
  'activity.action.registration_resent': 'Registrierungslink erneut gesendet',
  'activity.action.registration_proved': 'Zugeschickter Link durch Anmeldung in einem anderen Browser übernommen',
  'orcid.scope.authenticate': 'Ihre ORCID iD bei der Anmeldung erfahren.',
  'orcid.scope.readPublic': 'Die öffentlichen Teile Ihres ORCID-Datensatzes lesen.',
  'orcid.scope.readLimited':
    'Ihren ORCID-Datensatz lesen, auch die Einträge, die nur vertrauenswürdige Parteien sehen dürfen.',
  'orcid.scope.personReadLimited':
    'Ihre Biografie und persönlichen Angaben lesen, auch die nur für vertrauenswürdige Parteien sichtbaren.',
  'orcid.scope.activitiesReadLimited':
    'Ihre Werke, Anstellungen, Ausbildungen und Förderungen lesen, auch die nur für vertrauenswürdige Parteien sichtbaren.',
  'orcid.scope.activitiesUpdate':
    'Werke zu Ihrem ORCID-Datensatz hinzufügen und die selbst hinzugefügten ändern oder löschen (ebenso Anstellungen, Ausbildungen und Förderungen).',
  'orcid.scope.personUpdate': 'Ihre Biografie, Schlagwörter und anderen persönlichen Angaben ändern.',
  'orcid.scope.none': 'Nichts: Lanyard hat keinen Zugriff auf Ihren ORCID-Datensatz.',
  'orcid.console.title': 'Ihr ORCID-Datensatz',
  'orcid.console.lead':
    'Mit Lanyard verbundene Repositorien handeln in Ihrem ORCID-Datensatz nur mit dem Zugriff, den Sie hier geben. Lanyard verwahrt ihn für sie: Sie erhalten selbst nie ein ORCID-Token.',
  'orcid.console.access': 'Was Repositorien dürfen',
  'orcid.console.noIdentity':
    'Mit Ihrem Konto ist keine ORCID iD verbunden. Verbinden Sie zuerst eine auf Ihrer Kontoseite.',
  'orcid.console.noAccess':
    'Lanyard hat keinen Zugriff auf Ihren ORCID-Datensatz. Anmelden können Sie sich mit Ihrer ORCID iD weiterhin.',
  'orcid.console.publicApi':
    'Dieser Dienst nutzt die öffentliche ORCID-API: Repositorien können nur die öffentlichen Teile Ihres Datensatzes lesen und keine Werke hinzufügen.',
  'orcid.console.reconsent':
    'ORCID akzeptiert den erteilten Zugriff nicht mehr (er wurde bei ORCID widerrufen). Werke, die Repositorien senden, warten, bis Sie den Zugriff erneut erteilen.',
  'orcid.console.grant': 'Zugriff bei ORCID erteilen',
  'orcid.console.regrant': 'Zugriff bei ORCID erneut erteilen',
  'orcid.console.grantHint': 'ORCID wird Sie bitten, Folgendes zu erlauben:',
  'orcid.console.withdraw': 'Zugriff entziehen',
  'orcid.console.withdrawHint':
    'ORCID wird gebeten, den Zugriff zu widerrufen, und Lanyard löscht seine Kopie. Anmelden können Sie sich mit Ihrer ORCID iD weiterhin.',
  'orcid.console.record': 'In Ihrem ORCID-Datensatz',
  'orcid.console.readAt': 'Von ORCID gelesen:',
  'orcid.console.works': 'Werke',
  'orcid.console.employments': 'Anstellungen',
  'orcid.console.educations': 'Ausbildungen',
  'orcid.console.fundings': 'Förderungen',
  'orcid.console.empty': 'Keine für Lanyard sichtbar.',
  'orcid.console.addedBy': 'hinzugefügt von {source}',
  'orcid.console.unreachable':
    'Lanyard konnte ORCID gerade nicht erreichen, daher wird Ihr Datensatz nicht angezeigt. Versuchen Sie es später erneut.',
  'orcid.console.tokenRefused':
    'ORCID hat Lanyards Zugriff auf Ihren Datensatz nicht akzeptiert, daher wird er nicht angezeigt.',
  'orcid.console.notRead': 'Erteilen Sie den Zugriff, um Ihren Datensatz hier zu sehen.',
  'profile.nav.orcid': 'ORCID-Datensatz und Zugriff',
  'activity.action.orcid_access_granted': 'Zugriff auf den ORCID-Datensatz erteilt',
  'activity.action.orcid_access_withdrawn': 'Zugriff auf den ORCID-Datensatz entzogen',
  'error.ORCID_ID_MISMATCH':
    'Sie haben den Zugriff für eine andere ORCID iD ({authorized}) erlaubt als die mit Ihrem Konto verbundene ({linked}). Es wurde nichts geändert: Melden Sie sich bei ORCID mit der verbundenen iD an und versuchen Sie es erneut.',
  'mail.orcidAccess.subject': 'Der Zugriff auf Ihren ORCID-Datensatz hat sich geändert',
  'mail.orcidAccess.body':
    'Was mit {app} verbundene Repositorien im ORCID-Datensatz {identifier} dürfen, hat sich geändert. Jetzt: {access} Wenn Sie das nicht waren, entziehen Sie den Zugriff, melden Sie Ihre anderen Geräte ab und informieren Sie die Repository-Verwaltung:',
  'flash.orcidGranted': 'ORCID hat den Zugriff erteilt. Repositorien dürfen jetzt, was unten steht.',
  'flash.orcidWithdrawn': 'Der Zugriff wurde entzogen: ORCID hat ihn widerrufen und Lanyard hat seine Kopie gelöscht.',
  'flash.orcidWithdrawnLocally':
    'Lanyard hat seine Kopie des Zugriffs gelöscht, sodass niemand ihn mehr nutzen kann; ORCID war zum Widerrufen nicht erreichbar. Sie können Lanyard auch unter „Vertrauenswürdige Parteien“ in Ihren ORCID-Kontoeinstellungen entfernen.',
  'admin.duplicates.link': 'Mögliche Dubletten',
  'admin.duplicates.title': 'Mögliche Dubletten',
  'admin.duplicates.lead':
    'Aktive Konten, die zu einer Person gehören könnten. Ein gleicher Name oder eine von einer Einrichtung angegebene ORCID iD ist nur ein Hinweis: Prüfen Sie vor dem Zusammenführen. Je Art werden höchstens {limit} Gruppen gezeigt; führen Sie einige zusammen und sehen Sie erneut nach.',
  'admin.duplicates.email': 'Dieselbe bestätigte E-Mail-Adresse',
  'admin.duplicates.orcid':
    'Dieselbe ORCID iD (bei einem Konto verknüpft, bei einem anderen von einer Einrichtung angegeben)',
  'admin.duplicates.name': 'Derselbe Name',
  'admin.duplicates.none': 'Keine gefunden.',
  'admin.duplicates.shared': 'Gemeinsam',
  'admin.duplicates.accounts': 'Konten, älteste zuerst',
  'admin.duplicates.merge': 'Zusammenführen',
  'admin.duplicates.preview': 'Vorschau: {duplicate} mit {survivor} zusammenführen',
  'activity.action.names_change': 'Name geändert',
  'activity.action.consent_granted': 'Zugriff einer Anwendung erteilt',
  'activity.action.consent_withdrawn': 'Zugriff einer Anwendung entzogen',
  'admin.merge.sub':
    'Repositorien, die Personen über Lanyard anmelden und ihre Nutzer nach dessen „sub“-Kennung führen, sehen ab der nächsten Anmeldung die sub von {survivor}: Ihr Eintrag für {duplicate} bleibt dort verwaist und muss dort zusammengeführt oder entfernt werden.',
  'admin.clients.link': 'OpenID-Connect-Clients',
  'admin.clients.title': 'OpenID-Connect-Clients',
  'admin.clients.lead':
    'Repositorien und Anwendungen, die Personen über Lanyard anmelden (Issuer {issuer}). Dasselbe wie {command} auf der Kommandozeile.',
  'admin.clients.registered': '{count} registriert',
  'admin.clients.none': 'Noch keine Clients registriert.',
  'admin.clients.name': 'Name',
  'admin.clients.redirectUris': 'Weiterleitungs-URIs',
  'admin.clients.noRedirect': 'Keine: meldet niemanden an',
  'admin.clients.auth': 'Authentisierung am Token-Endpunkt',
  'admin.clients.auth.client_secret_basic': 'Geheimnis im Authorization-Header (client_secret_basic)',
  'admin.clients.auth.client_secret_post': 'Geheimnis im Formular (client_secret_post)',
  'admin.clients.auth.none': 'Keine: öffentlicher Client, PKCE Pflicht (none)',
  'admin.clients.consent': 'Einwilligung',
  'admin.clients.consentAsked': 'Einmal je Person erfragt',
  'admin.clients.consentNotAsked': 'Nicht erfragt (eigener Dienst)',
  'admin.clients.consentLabel':
    'Jede Person einmal fragen, bevor sie angemeldet wird (für ein Repositorium, das nicht der Betrieb selbst führt)',
  'admin.clients.subject': 'Subject-Typ',
  'admin.clients.resourceServer': 'Ressourcenserver',
  'admin.clients.yes': 'Ja',
  'admin.clients.no': 'Nein',
  'admin.clients.created': 'Registriert',
  'admin.clients.rotate': 'Neues Geheimnis',
  'admin.clients.remove': 'Entfernen',
  'admin.clients.add': 'Client hinzufügen',
  'admin.clients.redirectHint':
    'Eine oder mehrere absolute https-URLs (einfaches http nur für localhost), eine je Zeile, ohne #Fragment. Sie müssen genau übereinstimmen.',
  'admin.clients.addButton': 'Client hinzufügen',
  'admin.clients.addedTitle': 'Client {name} hinzugefügt',
  'admin.clients.added': 'Der Client {name} ist registriert.',
  'admin.clients.rotatedTitle': 'Neues Geheimnis für {name}',
  'admin.clients.rotated': 'Der Client {name} hat ein neues Geheimnis; das alte gilt nicht mehr.',
  'admin.clients.issuer': 'Issuer',
  'admin.clients.clientId': 'Client-ID',
  'admin.clients.secret': 'Client-Geheimnis',
  'admin.clients.noSecret': 'Keines (öffentlicher Client: PKCE Pflicht)',
  'admin.clients.secretOnce':
    'Kopieren Sie das Geheimnis jetzt: Es wird nur einmal angezeigt. Lanyard speichert nur seinen Hash.',
  'admin.clients.back': 'Zurück zu den Clients',
  'admin.clients.removeTitle': '{name} entfernen?',
  'admin.clients.removeIntro':
    'Der Client {name} kann dann niemanden mehr anmelden, und alle ihm erteilten Freigaben und Tokens werden sofort ungültig. Das lässt sich nicht rückgängig machen.',
  'admin.clients.removeConfirm': 'Client entfernen',
  'flash.admin.clientRemoved': 'Der Client {name} ist entfernt; seine Freigaben und Tokens sind widerrufen.',
};
