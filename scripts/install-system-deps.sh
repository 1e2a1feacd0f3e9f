#!/usr/bin/env bash
# The one script that installs the Debian packages ecospace's tests need; `make test` and
# `.ci/run` both call it. It installs only what is missing, says what it installs, uses sudo
# when not root, and when it cannot install stops with one line naming the packages (exit 2).
#
#   make, python3-venv         build the .venv (a bare Debian with python3 lacks both);
#                              `--venv-only` installs just these (what `make demo` needs)
#   chromium                   the browser the map tests drive through Playwright (never
#                              `playwright install`: nothing may download at run time)
#   poppler-utils              pdffonts / pdftotext read the annex PDFs in the tests
#   postgresql-15-postgis-3    a throwaway PostGIS server the PostGIS tests start themselves
#
# No CJK font is installed here on purpose: ecospace takes Noto Sans CJK from the
# noto-cjk-sans-otc wheel, and the tests prove that path on a machine without system fonts.
set -euo pipefail

have_postgis() {
    ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1 \
        && ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1
}

# `--venv-only`: just what creating .venv needs (make demo); default: everything the tests need
need=()
command -v make >/dev/null 2>&1 || need+=(make)
python3 -c "import ensurepip, venv" >/dev/null 2>&1 || need+=(python3-venv)
if [ "${1:-}" != "--venv-only" ]; then
    command -v chromium >/dev/null 2>&1 || need+=(chromium)
    command -v pdffonts >/dev/null 2>&1 || need+=(poppler-utils)
    have_postgis || need+=(postgresql-15 postgresql-15-postgis-3)
fi

[ ${#need[@]} -eq 0 ] && exit 0

cannot() {
    echo "Error: the tests need these Debian packages: ${need[*]} ($1); install them with 'sudo apt-get install ${need[*]}' and run again" >&2
    exit 2
}

command -v apt-get >/dev/null 2>&1 || cannot "no apt-get on this machine"
if [ "$(id -u)" -eq 0 ]; then
    as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null || [ -t 0 ]; then
    command -v sudo >/dev/null 2>&1 || cannot "not root and no sudo"
    as_root=(sudo)
else
    cannot "not root, and sudo needs a password that cannot be asked for here"
fi

echo "installing Debian packages the tests need: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
if ! { "${as_root[@]}" apt-get update -qq && \
       "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
           --no-install-recommends "${need[@]}"; } >"$log" 2>&1; then
    tail -n 3 "$log" >&2
    rm -f "$log"
    cannot "apt-get failed, its last lines are above"
fi
rm -f "$log"
# Debian's postgresql package starts a cluster of its own; the tests start their own throwaway
# server on a free port, so the packaged one is left as the package set it up.
echo "installed: ${need[*]}"
