"""A real SAML 2.0 identity provider for Lanyard's tests, built on pysaml2 (Debian's python3-pysaml2).

It signs with its own key through xmlsec1 and encrypts assertions to the SP's encryption
certificate, as a Shibboleth IdP does. Started by test/support/saml-idp.ts:

    /usr/bin/python3 idp.py <settings.json>

settings: {"host", "entityId"?, "keyFile", "certFile", "scopes": [...], "displayName", "users": {...}}
It listens on an ephemeral port and prints one JSON line {"port": …, "entityId": …} when ready.

Endpoints:
  GET  /metadata                 the IdP's metadata (with shibmd:Scope and mdui:DisplayName)
  GET  /sso/redirect             SSO over HTTP-Redirect; `login_as=<user>` answers at once,
                                 otherwise a login page lists the users
  POST /sso/login                the login page's form
  GET  /unsolicited?sp=&login_as= an IdP-initiated response (no AuthnRequest)
  POST /admin/sp                 trust an SP (its metadata XML as the body)
  POST /admin/users              add or replace users (JSON {name: user})

Per sign-in switches (query parameters of /sso/redirect, or fields of the login form):
  encrypt=0|1 (default 1 when the SP publishes an encryption key), sign=response|assertion|both
  (default response, Shibboleth's default), nameid=persistent|transient (default persistent),
  lifetime=<seconds the assertion is valid, default 300>, enc=aes256-cbc|aes128-gcm|3des,
  sigalg=sha256|sha1 (RSA-SHA256 by default; sha1 also digests with SHA-1), digest=sha256|sha1.
"""

import base64
import html
import json
import logging
import os
import sys
import threading
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import saml2.assertion
import saml2.entity
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.assertion import Policy
from saml2.authn_context import PASSWORD
from saml2.config import IdPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import NAME_FORMAT_URI, NAMEID_FORMAT_PERSISTENT, NAMEID_FORMAT_TRANSIENT, NameID
from saml2.server import Server

logging.basicConfig(level=logging.ERROR)

settings = json.load(open(sys.argv[1]))
users = dict(settings.get("users", {}))
lock = threading.Lock()

httpd = ThreadingHTTPServer((settings.get("host", "127.0.0.1"), 0), None)
port = httpd.server_address[1]
base = "http://%s:%d" % (settings.get("publicHost", settings.get("host", "127.0.0.1")), port)
entity_id = settings.get("entityId") or base + "/idp"

config = IdPConfig()
config.load(
    {
        "entityid": entity_id,
        "service": {
            "idp": {
                "name": settings.get("displayName", "Test IdP"),
                "endpoints": {
                    "single_sign_on_service": [
                        (base + "/sso/redirect", BINDING_HTTP_REDIRECT),
                    ],
                },
                "scope": settings.get("scopes", []),
                "ui_info": {"display_name": [{"text": settings.get("displayName", "Test IdP"), "lang": "en"}]},
                "name_id_format": [NAMEID_FORMAT_PERSISTENT, NAMEID_FORMAT_TRANSIENT],
                "policy": {
                    "default": {
                        "lifetime": {"minutes": 5},
                        "attribute_restrictions": None,
                        "name_form": NAME_FORMAT_URI,
                    }
                },
                "want_authn_requests_signed": False,
            }
        },
        "key_file": settings["keyFile"],
        "cert_file": settings["certFile"],
        "signing_algorithm": "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
        "digest_algorithm": "http://www.w3.org/2001/04/xmlenc#sha256",
        "xmlsec_binary": settings.get("xmlsec", "/usr/bin/xmlsec1"),
        "metadata": {},
        "delete_tmpfiles": True,
    }
)
server = Server(config=config)

# Release every attribute a user has (pysaml2's filter by the SP's RequestedAttributes cannot map
# subject-id and pairwise-id back to their names, so it would drop them).
saml2.assertion.filter_on_attributes = lambda ava, *args, **kwargs: ava

# pysaml2 encrypts with 3DES unless told otherwise; Shibboleth IdPs use AES. `enc=` picks per sign-in:
# the algorithm in the template and xmlsec1's session key type.
ENCRYPTION = {
    "aes256-cbc": ("http://www.w3.org/2001/04/xmlenc#aes256-cbc", "aes-256"),
    "aes128-gcm": ("http://www.w3.org/2009/xmlenc11#aes128-gcm", "aes-128"),
    "3des": ("http://www.w3.org/2001/04/xmlenc#tripledes-cbc", "des-192"),
}
data_encryption = [ENCRYPTION["aes256-cbc"]]
_pre_encryption_part = saml2.entity.pre_encryption_part
saml2.entity.pre_encryption_part = lambda **kw: _pre_encryption_part(msg_enc=data_encryption[0][0], **kw)
_encrypt_assertion = server.sec.encrypt_assertion
server.sec.encrypt_assertion = lambda statement, enc_key, template, key_type=None, node_xpath=None: _encrypt_assertion(
    statement, enc_key, template, data_encryption[0][1], node_xpath
)
metadata_xml = create_metadata_string(None, config=config, valid=24 * 7).decode("utf-8")


def respond(req_info, user_name, relay_state, options, sp_entity_id=None, acs_url=None):
    """Builds the signed (and usually encrypted) response to an AuthnRequest (or an unsolicited one)."""
    user = users.get(user_name)
    if user is None:
        return 400, "text/plain", "unknown user %s" % user_name
    if req_info is not None:
        request = req_info.message
        sp_entity_id = request.issuer.text
        acs_url = request.assertion_consumer_service_url or server.metadata.assertion_consumer_service(
            sp_entity_id, BINDING_HTTP_POST
        )[0]["location"]
        in_response_to = request.id
    else:
        if acs_url is None:
            acs_url = server.metadata.assertion_consumer_service(sp_entity_id, BINDING_HTTP_POST)[0]["location"]
        in_response_to = None
    if options.get("nameid", "persistent") == "transient":
        name_id = NameID(format=NAMEID_FORMAT_TRANSIENT, text="_" + os.urandom(12).hex())
    else:
        name_id = NameID(
            format=NAMEID_FORMAT_PERSISTENT,
            name_qualifier=entity_id,
            sp_name_qualifier=sp_entity_id,
            text=user["persistentId"],
        )
    sign = options.get("sign", "response")
    encrypt_default = "1" if server.metadata.certs(sp_entity_id, "any", "encryption") else "0"
    encrypt = options.get("encrypt", encrypt_default) == "1"
    lifetime = int(options.get("lifetime", "300"))
    policy = Policy(
        {"default": {"lifetime": {"seconds": lifetime}, "attribute_restrictions": None, "name_form": NAME_FORMAT_URI}},
        server.metadata,
    )
    data_encryption[0] = ENCRYPTION.get(options.get("enc", "aes256-cbc"), ENCRYPTION["aes256-cbc"])
    response = server.create_authn_response(
        identity=user.get("attributes", {}),
        in_response_to=in_response_to,
        destination=acs_url,
        sp_entity_id=sp_entity_id,
        name_id=name_id,
        authn={"class_ref": PASSWORD, "authn_auth": entity_id},
        release_policy=policy,
        sign_response=sign in ("response", "both"),
        sign_assertion=sign in ("assertion", "both"),
        encrypt_assertion=encrypt,
        sign_alg=SIGNING[options.get("sigalg", "sha256")],
        digest_alg=DIGEST[options.get("digest", options.get("sigalg", "sha256"))],
    )
    body = base64.b64encode(str(response).encode("utf-8")).decode("ascii")
    form = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Continue</title></head>'
        '<body><form method="post" action="%s">'
        '<input type="hidden" name="SAMLResponse" value="%s">%s'
        '<noscript><button type="submit">Continue</button></noscript></form>'
        "<script>document.forms[0].submit()</script></body></html>"
        % (
            html.escape(acs_url),
            body,
            '<input type="hidden" name="RelayState" value="%s">' % html.escape(relay_state) if relay_state else "",
        )
    )
    return 200, "text/html; charset=utf-8", form


def login_page(saml_request, relay_state, options):
    choices = "".join(
        '<p><label><input type="radio" name="login_as" value="%s"%s> %s</label></p>'
        % (html.escape(name), " checked" if i == 0 else "", html.escape(u.get("label", name)))
        for i, (name, u) in enumerate(users.items())
    )
    hidden = "".join(
        '<input type="hidden" name="%s" value="%s">' % (html.escape(k), html.escape(v))
        for k, v in [("SAMLRequest", saml_request), ("RelayState", relay_state)] + list(options.items())
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>%s — sign in</title></head><body>'
        '<main><h1>%s</h1><form method="post" action="/sso/login"><fieldset><legend>Sign in as</legend>%s'
        '</fieldset>%s<button type="submit">Sign in</button></form></main></body></html>'
        % (
            html.escape(settings.get("displayName", "Test IdP")),
            html.escape(settings.get("displayName", "Test IdP")),
            choices,
            hidden,
        )
    )


OPTION_KEYS = ("encrypt", "sign", "nameid", "lifetime", "enc", "sigalg", "digest")

# What an older IdP still signs with: RSA-SHA1 and SHA-1 digests (`sigalg=sha1`, `digest=sha1`).
SIGNING = {
    "sha256": "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
    "sha1": "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
}
DIGEST = {
    "sha256": "http://www.w3.org/2001/04/xmlenc#sha256",
    "sha1": "http://www.w3.org/2000/09/xmldsig#sha1",
}


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def send(self, status, content_type, body):
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def read_body(self):
        length = int(self.headers.get("content-length") or 0)
        return self.rfile.read(length).decode("utf-8")

    def do_GET(self):
        try:
            url = urlparse(self.path)
            q = {k: v[0] for k, v in parse_qs(url.query).items()}
            options = {k: q[k] for k in OPTION_KEYS if k in q}
            if url.path == "/metadata":
                return self.send(200, "application/samlmetadata+xml", metadata_xml)
            if url.path == "/sso/redirect":
                with lock:
                    req_info = server.parse_authn_request(q["SAMLRequest"], BINDING_HTTP_REDIRECT)
                    if "login_as" in q:
                        return self.send(*respond(req_info, q["login_as"], q.get("RelayState", ""), options))
                return self.send(200, "text/html; charset=utf-8", login_page(q["SAMLRequest"], q.get("RelayState", ""), options))
            if url.path == "/unsolicited":
                with lock:
                    return self.send(*respond(None, q["login_as"], q.get("RelayState", ""), options, sp_entity_id=q["sp"]))
            self.send(404, "text/plain", "not found")
        except Exception:
            self.send(500, "text/plain", traceback.format_exc())

    def do_POST(self):
        try:
            url = urlparse(self.path)
            body = self.read_body()
            if url.path == "/admin/sp":
                with lock:
                    server.metadata.load("inline", body)
                return self.send(204, "text/plain", "")
            if url.path == "/admin/users":
                with lock:
                    users.update(json.loads(body))
                return self.send(204, "text/plain", "")
            if url.path == "/sso/login":
                form = {k: v[0] for k, v in parse_qs(body).items()}
                options = {k: form[k] for k in OPTION_KEYS if k in form}
                with lock:
                    req_info = server.parse_authn_request(form["SAMLRequest"], BINDING_HTTP_REDIRECT)
                    return self.send(*respond(req_info, form["login_as"], form.get("RelayState", ""), options))
            self.send(404, "text/plain", "not found")
        except Exception:
            self.send(500, "text/plain", traceback.format_exc())


httpd.RequestHandlerClass = Handler
print(json.dumps({"port": port, "entityId": entity_id, "baseUrl": base}), flush=True)
httpd.serve_forever()
