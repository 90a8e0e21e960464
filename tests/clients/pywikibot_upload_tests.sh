#!/usr/bin/env bash
# Runs pywikibot's own upload tests (tests/upload_tests.py and
# tests/uploadbot_tests.py of its source tree) against a wiki, to compare
# wikiupload with MediaWiki 1.39 test by test.
#
#   tests/clients/pywikibot_upload_tests.sh PYWIKIBOT_SOURCE API_URL [CACHE]
#
# PYWIKIBOT_SOURCE is a checkout of pywikibot's repository (its tests are
# not in the package on PyPI); API_URL the wiki's api.php, with the
# account Uploader and the bot password Uploader@bot of the reference wiki
# (tests/api/helpers.rs's SEED_CONFIG, plus upload_by_url for users and
# allow_copy_uploads, as the reference has). The tests write to the wiki:
# run them on a fresh one to compare first runs. CACHE is where
# tests/clients/setup.sh installed pywikibot (default target/clients).
set -euo pipefail
SOURCE="$1"
API="$2"
CACHE="${3:-target/clients}"
PYTHON="$(cd "$CACHE" && pwd)/venv/bin/python"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

host_port="$(echo "$API" | sed -E 's#^https?://([^/]+)/.*#\1#')"
script_path="$(echo "$API" | sed -E 's#^https?://[^/]+(.*)/api\.php$#\1#')"
scheme="$(echo "$API" | sed -E 's#^(https?)://.*#\1#')"

mkdir -p "$WORK/config/families"
cat > "$WORK/config/families/uploadtests_family.py" <<PY
from pywikibot import family


class Family(family.Family):
    name = 'uploadtests'
    langs = {'en': '$host_port'}
    test_codes = ('en',)

    def scriptpath(self, code):
        return '$script_path'

    def protocol(self, code):
        return '$scheme'
PY
cat > "$WORK/config/user-config.py" <<PY
family = 'uploadtests'
mylang = 'en'
usernames['uploadtests']['en'] = 'Uploader'
password_file = '$WORK/config/passwordfile'
put_throttle = 0
minthrottle = 0
maxthrottle = 1
max_retries = 1
retry_wait = 1
PY
echo "('Uploader', BotPassword('bot', 'uploaderbotpassword0123456789abc'))" > "$WORK/config/passwordfile"
chmod 600 "$WORK/config/passwordfile"

# The tests name their site; point them at this one.
cp -r "$SOURCE/tests" "$WORK/tests"
sed -i "s/    family = 'wikipedia'/    family = 'uploadtests'/; s/    code = 'test'/    code = 'en'/" \
    "$WORK/tests/upload_tests.py" "$WORK/tests/uploadbot_tests.py"
cd "$WORK"
PYWIKIBOT_DIR="$WORK/config" PYWIKIBOT_TEST_WRITE=1 PYWIKIBOT_TEST_RUNNING=1 \
    "$PYTHON" -m unittest -v tests.upload_tests tests.uploadbot_tests
