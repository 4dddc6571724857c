# Community Dashboard: a slim Python image running as an unprivileged user.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
RUN useradd --create-home --uid 10001 --user-group dashboard

# Dependencies first, so code changes do not re-install them.
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY --chown=dashboard:dashboard . .
RUN mkdir -p /app/data && chown dashboard:dashboard /app/data
USER dashboard

EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s --start-period=40s --retries=3 \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4)"

# Migrates the database, then serves the dashboard in the same process (PID 1 gets the signals).
CMD ["python", "-m", "app", "serve", "--address", "0.0.0.0", "--port", "8501"]
