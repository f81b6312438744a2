# python:3.11-slim (Python 3.11.16 on Debian trixie; the multi-arch index pushed 2026-08-16),
# pinned by digest so every build starts from the same bytes. To move on, read the tag's
# current digest (`docker buildx imagetools inspect python:3.11-slim`) and put it here.
FROM python:3.11-slim@sha256:9c900dea9e8fb7e16277c179b555cc72d29a352dbc33cff48ad5a0412fd5bfc7

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1

WORKDIR /app

# Dependencies first, exactly as pinned and hashed in the lock (pip-compile from pyproject.toml;
# README "Locked dependencies"): the image runs the versions CI tested. This layer is rebuilt only
# when the lock changes. The lock also pins setuptools and wheel, which build the project below.
COPY requirements.lock ./
RUN pip install --no-cache-dir --require-hashes -r requirements.lock

# The project itself: no dependency resolution and no download, so nothing outside the lock.
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY adapters ./adapters
COPY storage ./storage
COPY prompts ./prompts
RUN pip install --no-cache-dir --no-deps --no-build-isolation . \
    && pip check

RUN useradd --create-home --uid 10001 mentorbot \
    && mkdir -p /data \
    && chown mentorbot:mentorbot /data

# With HOST=0.0.0.0, calendar feeds (and Teams) need MENTORBOT_PUBLIC_URL set to the https
# address that reaches the container; without it, feeds are off and `calendar` says so.
ENV DATABASE_URL=sqlite+aiosqlite:////data/mentorbot.db \
    HOST=0.0.0.0 \
    PORT=3978

USER mentorbot
EXPOSE 3978

HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '3978'), timeout=4)"]

CMD ["mentorbot", "serve"]
