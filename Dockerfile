# Application image for web (uvicorn), worker and beat (Celery); see docker-compose.yml.

FROM node:20-slim AS assets
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/build.mjs frontend/build.mjs
RUN npm run build

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
COPY requirements/ requirements/
RUN pip install -r requirements/base.txt -c requirements/lock.txt
COPY . .
COPY --from=assets /build/frontend/static/vendor frontend/static/vendor
# collectstatic reads no secret and no database; placeholders satisfy the production checks.
RUN DJANGO_SETTINGS_MODULE=config.settings.production \
    DJANGO_SECRET_KEY=build-only-placeholder-build-only-placeholder-build-only \
    ALLOWED_HOSTS=build.invalid \
    DATABASE_URL=postgres://build@build.invalid/build \
    python manage.py collectstatic --no-input
RUN useradd --system --uid 10001 --home-dir /app hub && chown -R hub /app/staticfiles
USER hub
EXPOSE 8000
CMD ["uvicorn", "config.asgi:application", "--host=0.0.0.0", "--port=8000", "--workers=4", "--timeout-keep-alive=75", "--proxy-headers"]
