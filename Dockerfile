FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1

WORKDIR /app

COPY pyproject.toml README.md ./
COPY bot ./bot
COPY adapters ./adapters
COPY storage ./storage
COPY prompts ./prompts
RUN pip install --no-cache-dir .

RUN useradd --create-home --uid 10001 mentorbot \
    && mkdir -p /data \
    && chown mentorbot:mentorbot /data

ENV DATABASE_URL=sqlite+aiosqlite:////data/mentorbot.db \
    HOST=0.0.0.0 \
    PORT=3978

USER mentorbot
EXPOSE 3978

HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '3978'), timeout=4)"]

CMD ["mentorbot", "serve"]
