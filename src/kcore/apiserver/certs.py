"""TLS material: a cluster CA generated on first start, and the serving certificate it signs.

Files live in the data directory and are reused on every later start, so kubeconfigs written
earlier stay valid::

    <dir>/pki/ca.crt  ca.key  apiserver.crt  apiserver.key

Keys are ECDSA P-256 (fast handshakes). The serving certificate names ``127.0.0.1``, ``::1``,
``localhost``, the first Service IP (the ``kubernetes`` Service) and the in-cluster DNS names
``kubernetes``, ``kubernetes.default``, ``kubernetes.default.svc`` and
``kubernetes.default.svc.cluster.local``. It is re-issued when a name it needs is missing or it
expires within 30 days.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

_DNS_NAMES = (
    "localhost",
    "kubernetes",
    "kubernetes.default",
    "kubernetes.default.svc",
    "kubernetes.default.svc.cluster.local",
)


@dataclass(frozen=True, slots=True)
class TLSFiles:
    """Paths of the CA certificate and the serving certificate and key."""

    ca_cert: Path
    ca_key: Path
    cert: Path
    key: Path

    def ca_pem(self) -> bytes:
        return self.ca_cert.read_bytes()


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    tmp.replace(path)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _new_ca(now: dt.datetime) -> tuple[bytes, bytes]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kcore-ca")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM), _key_pem(key)


def _serving_sans(extra_ips: tuple[str, ...]) -> tuple[set[str], set[str]]:
    ips = {"127.0.0.1", "::1", *extra_ips}
    return ips, set(_DNS_NAMES)


def _new_serving(
    ca_cert_pem: bytes, ca_key_pem: bytes, now: dt.datetime, ips: set[str], dns: set[str]
) -> tuple[bytes, bytes]:
    ca_cert = x509.load_pem_x509_certificate(ca_cert_pem)
    ca_key = serialization.load_pem_private_key(ca_key_pem, password=None)
    if not isinstance(ca_key, ec.EllipticCurvePrivateKey):
        msg = "the CA key must be an ECDSA key"
        raise TypeError(msg)
    key = ec.generate_private_key(ec.SECP256R1())
    sans: list[x509.GeneralName] = [x509.DNSName(d) for d in sorted(dns)]
    sans += [x509.IPAddress(ipaddress.ip_address(i)) for i in sorted(ips)]
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kube-apiserver")]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM), _key_pem(key)


def _serving_ok(path: Path, now: dt.datetime, ips: set[str], dns: set[str]) -> bool:
    try:
        cert = x509.load_pem_x509_certificate(path.read_bytes())
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (OSError, ValueError, x509.ExtensionNotFound):
        return False
    have_ips = {str(i) for i in san.get_values_for_type(x509.IPAddress)}
    have_dns = set(san.get_values_for_type(x509.DNSName))
    fresh = cert.not_valid_after_utc - now > dt.timedelta(days=30)
    return fresh and ips <= have_ips and dns <= have_dns


def ensure_tls(pki_dir: str | Path, now: float, *, extra_ips: tuple[str, ...] = ()) -> TLSFiles:
    """Create (first start) or reuse the CA and serving certificate under ``pki_dir``.

    ``now`` is the current time in epoch seconds (from the server's Clock).
    """
    d = Path(pki_dir)
    files = TLSFiles(d / "ca.crt", d / "ca.key", d / "apiserver.crt", d / "apiserver.key")
    t = dt.datetime.fromtimestamp(now, tz=dt.UTC)
    if not (files.ca_cert.exists() and files.ca_key.exists()):
        cert_pem, key_pem = _new_ca(t)
        _write_private(files.ca_key, key_pem)
        _write_private(files.ca_cert, cert_pem)
        files.cert.unlink(missing_ok=True)
    ips, dns = _serving_sans(extra_ips)
    if not (files.key.exists() and _serving_ok(files.cert, t, ips, dns)):
        cert_pem, key_pem = _new_serving(
            files.ca_cert.read_bytes(), files.ca_key.read_bytes(), t, ips, dns
        )
        _write_private(files.key, key_pem)
        _write_private(files.cert, cert_pem)
    return files
