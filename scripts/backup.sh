#!/usr/bin/env bash
# Backs up the esafety database into a dated file with a .json summary (every table's row count and
# checksum), keeps the newest ones, and copies each new backup to a second place; or restores one.
#
#   scripts/backup.sh                          back up the database the app uses
#   scripts/backup.sh restore FILE [--force]   restore FILE into the app's database (empty unless --force)
#
# Run it with the app's own environment (ESAFETY_ENV, ESAFETY_SECRET_KEY, DATABASE_URL or
# ESAFETY_DATABASE_URL). SQLite is copied with SQLite's online backup API, PostgreSQL with pg_dump; both are
# safe while the app is serving. Stop the app servers before a restore. See docs/operations.md.
#
#   ESAFETY_BACKUP_DIR      where backups go (default: instance/backups)
#   ESAFETY_BACKUP_KEEP     how many backups to keep there (default: 14)
#   ESAFETY_BACKUP_COPY_TO  a folder on another disk or a mounted share; each new backup is copied there too
set -euo pipefail
cd "$(dirname "$0")/.."
flask=(.venv/bin/flask --app esafety)
umask 077  # backups hold children's data: readable by their owner only

case "${1:-backup}" in
  backup)
    dir=${ESAFETY_BACKUP_DIR:-instance/backups}
    keep=${ESAFETY_BACKUP_KEEP:-14}
    mkdir -p "$dir"
    line=$("${flask[@]}" backup create --dir "$dir")
    echo "$line"
    file=${line%% (*}
    [ -f "$file" ] || { echo "backup file not found: $file" >&2; exit 1; }
    if [ -n "${ESAFETY_BACKUP_COPY_TO:-}" ]; then
      mkdir -p "$ESAFETY_BACKUP_COPY_TO"
      cp -p "$file" "$file.json" "$ESAFETY_BACKUP_COPY_TO"/
      echo "copied to $ESAFETY_BACKUP_COPY_TO"
    fi
    # Keep the newest $keep backups (and their summaries) in $dir.
    find "$dir" -maxdepth 1 -type f \( -name 'esafety-*.sqlite3' -o -name 'esafety-*.dump' \) -printf '%T@ %p\n' \
      | sort -rn | tail -n +"$((keep + 1))" | cut -d' ' -f2- | while IFS= read -r old; do
        rm -f -- "$old" "$old.json"
        echo "removed old backup $old"
      done
    ;;
  restore)
    shift
    [ $# -ge 1 ] || { echo "usage: scripts/backup.sh restore FILE [--force]" >&2; exit 2; }
    exec "${flask[@]}" backup restore "$@"
    ;;
  *)
    echo "usage: scripts/backup.sh [backup] | restore FILE [--force]" >&2
    exit 2
    ;;
esac
