# The store's image, for compose.yaml (and any container platform): one image runs
# the web processes (gunicorn), the jobs and the migrations, chosen by the command.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    FLASK_APP=ally_web:create_app
WORKDIR /app

COPY pyproject.toml README.md ./
COPY ally_web ./ally_web
RUN pip install --disable-pip-version-check .
COPY migrations ./migrations
COPY wsgi.py gunicorn.conf.py ./

RUN useradd --system --no-create-home --uid 10001 ally && mkdir -p /app/instance && chown ally /app/instance
USER ally

EXPOSE 8000
ENV BIND=0.0.0.0:8000
CMD ["gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"]
