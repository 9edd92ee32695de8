#!/usr/bin/env bash
# Restore drill (CI runs it; README "Backup and restore"): load the demo into a new database and
# media folder, back both up with `manage.py backup`, restore into another new database and an
# empty folder with `manage.py restore` (which runs verify_audit), then check that every
# decision letter's verification hash still matches its PDF (`manage.py verify_letters`).
#
#   scripts/restore_drill.sh                                   # PostgreSQL at 127.0.0.1:5432
#   DRILL_PG=sqlite scripts/restore_drill.sh                   # the embedded SQLite default
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
PG=${DRILL_PG:-postgres://postgres@127.0.0.1:5432}
work=$(mktemp -d)
suffix="$$_$(date +%s)"
src=drill_src_$suffix
dst=drill_dst_$suffix
cleanup() {
  if [ "$PG" != sqlite ]; then
    for db in "$src" "$dst"; do psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true; done
  fi
  rm -rf "$work"
}
trap cleanup EXIT

unset DATABASE_URL CELERY_BROKER_URL MEDIA_ROOT DATA_DIR
export SECRET_KEY=restore-drill-only-not-a-production-secret
export CELERY_TASK_ALWAYS_EAGER=1 EMAIL_BACKEND=django.core.mail.backends.locmem.EmailBackend
side() {  # side NAME: the environment of one installation
  if [ "$PG" = sqlite ]; then
    echo "DATA_DIR=$work/$1 MEDIA_ROOT=$work/$1-media"
  else
    echo "DATABASE_URL=$PG/$2 DATA_DIR=$work/$1 MEDIA_ROOT=$work/$1-media"
  fi
}
if [ "$PG" != sqlite ]; then
  psql "$PG/postgres" -qc "CREATE DATABASE $src" && psql "$PG/postgres" -qc "CREATE DATABASE $dst"
fi

echo "--- source: migrate, demo data, letters"
env $(side source "$src") $PY manage.py migrate --noinput -v0
env $(side source "$src") $PY manage.py seed_demo >/dev/null
env $(side source "$src") $PY manage.py verify_letters
SECONDS=0
env $(side source "$src") $PY manage.py backup "$work/backups"
archive=$(ls "$work"/backups/ethics-backup-*.tar)
echo "backup: $(du -h "$archive" | cut -f1) in ${SECONDS} s"

echo "--- restore into a new database and an empty folder"
SECONDS=0
env $(side restored "$dst") $PY manage.py restore "$archive"
echo "restore: ${SECONDS} s"
env $(side restored "$dst") $PY manage.py verify_letters
env $(side restored "$dst") $PY manage.py migrate --check --noinput -v0
test "$(find "$work/source-media" -type f | wc -l)" = "$(find "$work/restored-media" -type f | wc -l)"
echo "restore drill passed"
