"""gunicorn's logger with the client's real address in the access log (gunicorn.conf.py uses it).

gunicorn writes the address the connection came from (%(h)s): behind a proxy, the proxy's. This
logger writes the client's address as backcare.client_address finds it, through the trusted
proxies only (TRUSTED_PROXY_COUNT), so a client cannot put another address in the log by sending
X-Forwarded-For itself.
"""

from gunicorn.glogging import Logger

from backcare.client_address import client_address_from_meta


class ClientAddressLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        atoms["h"] = client_address_from_meta(environ) or "-"
        return atoms
