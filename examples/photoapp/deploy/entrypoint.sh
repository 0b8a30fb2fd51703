#!/bin/sh
set -e
python manage.py migrate --noinput
exec gunicorn photosite.wsgi:application --bind 0.0.0.0:${PORT:-8000} --workers ${WEB_CONCURRENCY:-1}
