#!/usr/bin/env python3
"""Drive pywikibot against a MediaWiki-compatible API (wikiupload or the reference wiki).

Usage:
  pywikibot_client.py --api URL --user NAME --password PW login
  pywikibot_client.py --api URL --user NAME --password PW upload --file PATH --filename NAME [--chunk-size N]
  pywikibot_client.py --api URL --user NAME --password PW upload-url --url URL --filename NAME
  pywikibot_client.py --api URL --user NAME --password PW page --title TITLE --text TEXT [--summary S]
  pywikibot_client.py --api URL --user NAME --password PW thumb --filename NAME --width W

`upload --no-text` uploads without `text` (a new version keeps the page's
text: pywikibot reads it first); `page` reads a page's text
(FilePage/Page.text) and saves a new one (Page.save()); `thumb` asks
FilePage.get_file_url(url_width=W) and fetches that URL.

A user name containing "@" (e.g. "Uploader@bot") is treated as a bot password
(pywikibot then uses action=login); otherwise pywikibot logs in to the main
account with action=clientlogin.

pywikibot is configured from scratch in a temporary PYWIKIBOT_DIR (family file,
user-config.py, password file) generated from --api, so it works on any port.
Prints one JSON line on success; exits non-zero with a message on stderr otherwise.
"""
import argparse
import hashlib
import json
import os
import shutil
import sys
import tempfile
import urllib.parse

FAMILY = "wikiuploadtest"
CODE = "en"


def die(msg, code=1):
    print(json.dumps({"ok": False, "error": str(msg)}))
    print(f"pywikibot_client: {msg}", file=sys.stderr)
    sys.exit(code)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--api", required=True, help="e.g. http://127.0.0.1:8080/api.php")
    p.add_argument("--user", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--keep-config", action="store_true", help="do not delete the temporary PYWIKIBOT_DIR")
    p.add_argument("--verbose", action="store_true", help="let pywikibot print its log output to stderr")
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("login")
    up = sub.add_parser("upload")
    up.add_argument("--file", required=True)
    up.add_argument("--filename", required=True)
    up.add_argument("--chunk-size", type=int, default=0)
    up.add_argument("--comment", default="Uploaded by pywikibot_client.py")
    up.add_argument("--text", default="Test file uploaded by pywikibot_client.py")
    up.add_argument("--ignore-warnings", action="store_true")
    up.add_argument("--no-text", action="store_true")
    pg = sub.add_parser("page")
    pg.add_argument("--title", required=True)
    pg.add_argument("--text", required=True)
    pg.add_argument("--summary", default="Edited by pywikibot_client.py")
    ls = sub.add_parser("lists", help="FilePage.using_pages(), Page.categories(), Page.templates(), Site.allimages()")
    ls.add_argument("--file", required=True, help="a file's title")
    ls.add_argument("--page", required=True, help="a page's title")
    th = sub.add_parser("thumb", help="FilePage.get_file_url(url_width=W), then fetch it")
    th.add_argument("--filename", required=True)
    th.add_argument("--width", type=int, required=True)
    uu = sub.add_parser("upload-url")
    uu.add_argument("--url", required=True)
    uu.add_argument("--filename", required=True)
    uu.add_argument("--comment", default="Uploaded from URL by pywikibot_client.py")
    uu.add_argument("--text", default="Test file uploaded from URL by pywikibot_client.py")
    uu.add_argument("--ignore-warnings", action="store_true")
    return p.parse_args()


def write_config(base, api, user, password):
    """Write families/<FAMILY>_family.py, user-config.py and a password file into base."""
    u = urllib.parse.urlsplit(api)
    if u.scheme not in ("http", "https") or not u.netloc:
        die(f"--api must be an absolute http(s) URL, got {api!r}")
    path = u.path
    if not path.endswith("/api.php"):
        die(f"--api must end with /api.php, got {api!r}")
    scriptpath = path[: -len("/api.php")]
    os.makedirs(os.path.join(base, "families"), exist_ok=True)
    with open(os.path.join(base, "families", f"{FAMILY}_family.py"), "w") as f:
        f.write(
            "from pywikibot import family\n\n\n"
            "class Family(family.Family):\n"
            f"    name = {FAMILY!r}\n"
            f"    langs = {{{CODE!r}: {u.netloc!r}}}\n\n"
            "    def scriptpath(self, code):\n"
            f"        return {scriptpath!r}\n\n"
            "    def protocol(self, code):\n"
            f"        return {u.scheme!r}\n"
        )
    main_user, at, suffix = user.partition("@")
    if at:
        entry = f"({main_user!r}, BotPassword({suffix!r}, {password!r}))"
    else:
        entry = f"({main_user!r}, {password!r})"
    pwfile = os.path.join(base, "passwordfile")
    with open(pwfile, "w") as f:
        f.write(entry + "\n")
    os.chmod(pwfile, 0o600)
    with open(os.path.join(base, "user-config.py"), "w") as f:
        f.write(
            f"family = {FAMILY!r}\n"
            f"mylang = {CODE!r}\n"
            f"usernames[{FAMILY!r}][{CODE!r}] = {main_user!r}\n"
            f"password_file = {pwfile!r}\n"
            # no throttling, no maxlag parameter, fail fast
            "put_throttle = 0\n"
            "minthrottle = 0\n"
            "maxthrottle = 1\n"
            "read_maxlag = 0\n"
            "write_maxlag = 0\n"
            "max_retries = 1\n"
            "retry_wait = 1\n"
            "retry_max = 2\n"
            "socket_timeout = (10, 120)\n"
            "noisysleep = 3600.0\n"
            "log = []\n"
            "logfilename = None\n"
        )
    return main_user


def main():
    args = parse_args()
    base = tempfile.mkdtemp(prefix="pwb-client-")
    try:
        main_user = write_config(base, args.api, args.user, args.password)
        os.environ["PYWIKIBOT_DIR"] = base
        os.environ.pop("PYWIKIBOT_NO_USER_CONFIG", None)
        os.environ.pop("PYWIKIBOT_TEST_RUNNING", None)
        # pywikibot prints to stdout/stderr through its own logging; keep stdout clean
        real_stdout = sys.stdout
        sys.stdout = sys.stderr
        try:
            result = run(args)
        finally:
            sys.stdout = real_stdout
        print(json.dumps(result))
    finally:
        if not args.keep_config:
            shutil.rmtree(base, ignore_errors=True)
        else:
            print(f"pywikibot config kept in {base}", file=sys.stderr)


def run(args):
    try:
        import pywikibot
        from pywikibot import config
        from pywikibot.exceptions import Error as PwbError
    except Exception as e:  # noqa: BLE001
        die(f"cannot import pywikibot: {e!r}")
    if not args.verbose:
        import logging
        logging.getLogger("pywiki").setLevel(logging.ERROR)
    try:
        site = pywikibot.Site(CODE, FAMILY)
        site.login()
        if not site.logged_in():
            die("login failed (site.logged_in() is false)")
        ui = site.userinfo
        if "anon" in ui:
            die(f"still anonymous after login: {ui}")
        if args.cmd == "login":
            return {"ok": True, "user": ui["name"], "rights": list(ui.get("rights", []))}
        if args.cmd == "page":
            return edit_page(site, args)
        if args.cmd == "lists":
            return read_lists(site, args)

        title = "File:" + args.filename
        page = pywikibot.FilePage(site, title)
        if args.cmd == "thumb":
            url = page.get_file_url(url_width=args.width)
            from pywikibot.comms import http
            response = http.fetch(url)
            return {
                "ok": True,
                "thumburl": url,
                "status": response.status_code,
                "content_type": response.headers.get("content-type"),
                "size": len(response.content),
                "sha1": hashlib.sha1(response.content).hexdigest(),
            }
        kw = dict(
            summary=args.comment,
            text=None if getattr(args, "no_text", False) else args.text,
            ignore_warnings=args.ignore_warnings,
        )
        if args.cmd == "upload":
            if not os.path.isfile(args.file):
                die(f"no such file: {args.file}")
            kw["source_filename"] = args.file
            if args.chunk_size:
                kw["chunk_size"] = args.chunk_size
        else:
            kw["source_url"] = args.url
        ok = site.upload(page, **kw)
        if not ok:
            die("site.upload() returned False")

        # fresh page object so imageinfo is really fetched from the server
        page = pywikibot.FilePage(site, title)
        info = page.latest_file_info
        dl = os.path.join(tempfile.mkdtemp(prefix="pwb-dl-"), "download" + os.path.splitext(args.filename)[1])
        try:
            verified = page.download(dl)
            with open(dl, "rb") as f:
                data = f.read()
        finally:
            shutil.rmtree(os.path.dirname(dl), ignore_errors=True)
        out = {
            "ok": True,
            "user": ui["name"],
            "title": page.title(),
            "url": info.url,
            "sha1": info.sha1,
            "size": int(info.size),
            "downloaded_sha1": hashlib.sha1(data).hexdigest(),
            "downloaded_size": len(data),
            "download_verified_by_pywikibot": bool(verified),
        }
        if args.cmd == "upload":
            with open(args.file, "rb") as f:
                local = f.read()
            out["local_sha1"] = hashlib.sha1(local).hexdigest()
            if out["local_sha1"] != out["sha1"]:
                hint = ""
                if local.endswith(b"\r"):
                    hint = (" (the file ends with CR: pywikibot's LF-only multipart loses a trailing"
                            " CR on PHP-style parsers, see README)")
                die(f"server sha1 {out['sha1']} != local sha1 {out['local_sha1']}{hint}")
        if out["downloaded_sha1"] != out["sha1"]:
            die(f"downloaded file sha1 {out['downloaded_sha1']} != imageinfo sha1 {out['sha1']}")
        return out
    except SystemExit:
        raise
    except PwbError as e:
        die(f"{type(e).__name__}: {e}")
    except Exception as e:  # noqa: BLE001
        import traceback
        traceback.print_exc(file=sys.stderr)
        die(f"{type(e).__name__}: {e}")


def edit_page(site, args):
    """Read a page's text, save a new text, read it back from a fresh object."""
    import pywikibot

    def page_of(title):
        if title.startswith("File:"):
            return pywikibot.FilePage(site, title)
        return pywikibot.Page(site, title)

    page = page_of(args.title)
    before = page.text if page.exists() else None
    page.text = args.text
    page.save(summary=args.summary)
    after = page_of(args.title).text
    if after != args.text:
        die(f"saved text {after!r} != {args.text!r}")
    return {"ok": True, "title": page.title(), "before": before, "after": after}


def read_lists(site, args):
    """The listings pywikibot users walk, with a small step so that each
    one continues (pywikibot follows `continue` to the end)."""
    import pywikibot

    file_page = pywikibot.FilePage(site, args.file)
    page = pywikibot.Page(site, args.page)
    images = site.allimages()
    images.set_query_increment(2)
    return {
        "ok": True,
        "using_pages": [p.title() for p in file_page.using_pages()],
        "categories": [c.title() for c in page.categories()],
        "templates": [t.title() for t in page.templates()],
        "allimages": [f.title() for f in images],
    }


if __name__ == "__main__":
    main()
