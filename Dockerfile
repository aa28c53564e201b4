# One image for web, worker and beat. The same Debian packages as .ci/run (minus test-only tools).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=smartcampus.settings.production
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk gettext \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY smartcampus ./smartcampus
COPY indicators ./indicators
COPY assessments ./assessments
COPY evidence ./evidence
COPY classrooms ./classrooms
COPY rectification ./rectification
COPY inspections ./inspections
COPY reports ./reports
RUN pip install --no-cache-dir .
COPY . .
RUN for d in django djangojs; do msgfmt --check-format -o locale/en/LC_MESSAGES/$d.mo locale/en/LC_MESSAGES/$d.po; done
RUN SECRET_KEY=build ALLOWED_HOSTS=build DATABASE_URL=sqlite:////tmp/build.db CELERY_BROKER_URL=memory:// \
    python manage.py collectstatic --noinput \
 && useradd --system --uid 1000 app && mkdir -p /data/media && chown -R app /data /app
USER app
EXPOSE 8000
CMD ["gunicorn", "smartcampus.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "4", "--timeout", "60"]
