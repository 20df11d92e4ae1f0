"""Benchmark harness behind `make bench`: synthetic data, scenarios over HTTP, a results table.

Run it through the launcher (`make bench BENCH_ARGS="--referrals 100000"`), which migrates the
database and sets DATABASE_URL and DJANGO_SETTINGS_MODULE=config.settings.bench first.
"""
