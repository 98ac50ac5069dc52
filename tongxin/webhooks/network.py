"""Where a webhook may go, and the one POST that takes it there.

A subscription names a partner's address, and Tongxin's server makes the request: an
address inside the server's own network (the cloud's metadata service at
169.254.169.254, a database on 10.0.0.1, Redis on 192.168.1.1:6379, this machine) would
let whoever edits subscriptions reach what the internet cannot. So the host's addresses
must all be public, checked when the subscription is saved (``check_host``) and again
for every delivery: the request connects to the very address that was checked, with
the host name kept for TLS (SNI and the certificate) and the Host header, so a name
that resolves elsewhere by then (DNS rebinding) gains nothing.

A host named in ``TONGXIN_WEBHOOK_ALLOWED_INTERNAL_HOSTS`` (a partner's bridge inside
the same network, or 127.0.0.1 for a receiver on this machine) may resolve to anything.

What went wrong is told as a category (``ERRORS``), never the socket's own words: the
log must not tell an open port from a closed one.
"""

import http.client
import ipaddress
import socket
import ssl

from django.conf import settings
from django.utils.translation import gettext_lazy as _

TIMEOUT_SECONDS = 5
RESPONSE_READ_LIMIT = 64 * 1024

# What a delivery attempt's error says (stored as the key, shown with the label).
NOT_ALLOWED = "address not allowed"
LOOKUP_FAILED = "DNS lookup failed"
CONNECTION_FAILED = "connection failed"
TIMEOUT = "timeout"
TLS_ERROR = "TLS error"
BAD_RESPONSE = "invalid HTTP response"
ERRORS = {
    NOT_ALLOWED: _("address not allowed (internal network)"),
    LOOKUP_FAILED: _("DNS lookup failed"),
    CONNECTION_FAILED: _("connection failed"),
    TIMEOUT: _("timeout"),
    TLS_ERROR: _("TLS error"),
    BAD_RESPONSE: _("invalid HTTP response"),
}


class Refused(Exception):
    """The host is, or resolves to, an address inside a private or special network."""


class LookupFailed(Exception):
    """The host name does not resolve (now)."""


def http_error(status):
    """Return the category of a non-2xx answer: "HTTP 3xx", "HTTP 4xx", "HTTP 5xx"."""
    return f"HTTP {status // 100}xx"


def error_label(error):
    """Return the words an administrator reads for a stored error (the category, translated)."""
    return ERRORS.get(error, error)


def allowed_internal_hosts():
    hosts = getattr(settings, "TONGXIN_WEBHOOK_ALLOWED_INTERNAL_HOSTS", ()) or ()
    return {_normal(host) for host in hosts}


def _normal(host):
    return str(host or "").strip().lower().rstrip(".").strip("[]")


def is_internal(address):
    """Return whether an IP address is anything but a public unicast one."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.version == 6:
        # ::ffff:10.0.0.1 is 10.0.0.1; 6to4 and Teredo carry an IPv4 address inside too.
        embedded = [ip.ipv4_mapped, ip.sixtofour, ip.teredo and ip.teredo[1]]
        if any(inner is not None and is_internal(str(inner)) for inner in embedded if inner):
            return True
        if ip.is_site_local:  # fec0::/10, deprecated but still routed inside some networks
            return True
    return (not ip.is_global or ip.is_private or ip.is_loopback or ip.is_link_local
            or ip.is_unspecified or ip.is_multicast or ip.is_reserved)


def _literal(host):
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return None


def resolve(host, port):
    """Return the addresses ``host`` resolves to, in the resolver's order (a test replaces it)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise LookupFailed(host) from error
    addresses = []
    for _family, _type, _proto, _name, sockaddr in infos:
        if sockaddr[0] not in addresses:
            addresses.append(sockaddr[0])
    if not addresses:
        raise LookupFailed(host)
    return addresses


def destinations(host, port):
    """Return the addresses a request to ``host`` may connect to.

    Raise Refused if any of them is internal (unless the host is allowed), LookupFailed
    if the name does not resolve.
    """
    name = _normal(host)
    literal = _literal(name)
    addresses = [literal] if literal else resolve(name, port)
    if name in allowed_internal_hosts():
        return addresses
    if any(is_internal(address) for address in addresses):
        raise Refused(name)
    return addresses


def check_host(host, port):
    """Refuse a host that is, or now resolves to, an internal address (when subscribing).

    A name that does not resolve yet is accepted: every delivery resolves it again.
    """
    try:
        destinations(host, port)
    except LookupFailed:
        return


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """HTTP to ``address``, speaking to ``host`` (the Host header)."""

    def __init__(self, host, port, *, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self):
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to ``address``, with ``host`` for SNI, the certificate check and the Host header."""

    def __init__(self, host, port, *, address, timeout):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self.address = address

    def connect(self):
        sock = socket.create_connection((self.address, self.port), self.timeout)
        try:
            self.sock = self._context.wrap_socket(sock, server_hostname=self.host)
        except BaseException:
            sock.close()
            raise


def post(parts, addresses, body, headers):
    """POST ``body`` to the split URL ``parts`` through the first of ``addresses`` that
    answers; return (HTTP status or None, error category or "").

    Never follows a redirect (it is an answer other than 2xx) and uses no proxy: the
    connection goes to an address that was checked.
    """
    https = parts.scheme == "https"
    port = parts.port or (443 if https else 80)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connection_class = _PinnedHTTPSConnection if https else _PinnedHTTPConnection
    error = CONNECTION_FAILED
    for address in addresses:
        connection = connection_class(parts.hostname, port, address=address,
                                      timeout=TIMEOUT_SECONDS)
        try:
            connection.request("POST", path, body=body, headers=headers)
            response = connection.getresponse()
            response.read(RESPONSE_READ_LIMIT)
            status = response.status
        except TimeoutError:
            return None, TIMEOUT
        except (ssl.SSLError, ssl.CertificateError):
            return None, TLS_ERROR
        except http.client.HTTPException:
            return None, BAD_RESPONSE
        except ValueError:  # e.g. a host name http.client cannot write in the Host header
            return None, CONNECTION_FAILED
        except OSError:
            continue  # refused, reset, unreachable: the next address, if there is one
        finally:
            connection.close()
        return status, "" if 200 <= status < 300 else http_error(status)
    return None, error
