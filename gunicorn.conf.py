"""gunicorn's settings for BackCare, read from the working directory (the Dockerfile passes it too).

The access log names the client's address as the app sees it, through the trusted proxies only
(TRUSTED_PROXY_COUNT; backcare/gunicorn_logger.py), not the proxy's.

The access log and the error log go through backcare.log_filters.RedactTokensFilter: a
password-reset or invitation link (/accounts/reset/<uid>/<token>/) is logged without its token.
"""

import logging

from backcare.log_filters import RedactTokensFilter

logger_class = "backcare.gunicorn_logger.ClientAddressLogger"

for _name in ("gunicorn.access", "gunicorn.error"):
    logging.getLogger(_name).addFilter(RedactTokensFilter())
