"""An https endpoint is called at the address that was checked, with TLS naming the URL's
host (SNI, and the certificate checked against that name): a real TLS server on loopback
with a certificate for `hooks.partner.test`, trusted here in place of the public CAs."""

from __future__ import annotations

import datetime
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from apps.notifications.webhooks import addresses, transport

NAME = "hooks.partner.test"


def _certificate(tmp_path, name: str):
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / f"{name}.pem", tmp_path / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


@pytest.fixture
def tls_receiver(tmp_path, monkeypatch, settings):
    """(port, what it saw) for an https server on 127.0.0.1 whose certificate names NAME;
    NAME resolves to 127.0.0.1 and the certificate is the trust store."""
    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = True
    cert_path, key_path = _certificate(tmp_path, NAME)
    seen: dict = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            seen["host"] = self.headers["Host"]
            seen["body"] = self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)

    def sni(sock, server_name, ctx) -> None:
        seen["sni"] = server_name

    context.sni_callback = sni
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    real = socket.getaddrinfo
    monkeypatch.setattr(
        addresses.socket,
        "getaddrinfo",
        lambda host, port, *a, **k: (
            [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
            if host in (NAME, "other.partner.test")
            else real(host, port, *a, **k)
        ),
    )
    monkeypatch.setattr(transport.certifi, "where", lambda: str(cert_path))
    yield server.server_address[1], seen
    server.shutdown()
    server.server_close()


def test_an_https_endpoint_gets_sni_and_its_certificate_checked_against_the_urls_name(tls_receiver):
    port, seen = tls_receiver

    outcome = transport.webhook_post(url=f"https://{NAME}:{port}/hooks", body=b"{}", headers={})

    assert (outcome.status_code, outcome.error) == (204, "")
    assert (seen["sni"], seen["host"], seen["body"]) == (NAME, f"{NAME}:{port}", b"{}")


def test_a_certificate_for_another_name_is_refused(tls_receiver):
    port, seen = tls_receiver

    outcome = transport.webhook_post(url=f"https://other.partner.test:{port}/hooks", body=b"{}", headers={})

    assert outcome.status_code is None
    assert "certificate" in outcome.error.lower() or "hostname" in outcome.error.lower()
    assert "body" not in seen
