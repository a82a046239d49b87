"""gunicorn's settings for BackCare, read from the working directory (the Dockerfile passes it too).

The access log and the error log go through backcare.log_filters.RedactTokensFilter: a
password-reset or invitation link (/accounts/reset/<uid>/<token>/) is logged without its token.
"""

import logging

from backcare.log_filters import RedactTokensFilter

for _name in ("gunicorn.access", "gunicorn.error"):
    logging.getLogger(_name).addFilter(RedactTokensFilter())
