FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
# WeasyPrint (the printed program) needs Pango and HarfBuzz, and fonts: DejaVu.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libfontconfig1 fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*
COPY requirements.txt build-constraints.txt ./
RUN pip install --no-cache-dir pip==26.3 \
 && pip install --no-cache-dir --build-constraint build-constraints.txt -r requirements.txt
COPY . .
# Built as in production (DEBUG off), so the hashed-name manifest whitenoise serves from exists.
RUN DEBUG=false SECRET_KEY=only-for-collectstatic ALLOW_CONSOLE_EMAIL=true python manage.py collectstatic --noinput \
 && DEBUG=false SECRET_KEY=only-for-collectstatic ALLOW_CONSOLE_EMAIL=true python manage.py compile_translations
RUN useradd --system --home /app backcare && chown -R backcare /app
USER backcare
EXPOSE 8000
CMD ["sh", "-c", "python manage.py migrate --noinput && python manage.py load_programs && gunicorn backcare.wsgi -c gunicorn.conf.py --bind 0.0.0.0:8000 --workers ${WEB_CONCURRENCY:-2} --no-control-socket --access-logfile -"]
