#!/usr/bin/env python3
"""Drive mwclient against a MediaWiki-compatible API (wikiupload or the reference wiki).

Usage:
  mwclient_client.py --api URL --user NAME --password PW login
  mwclient_client.py --api URL --user NAME --password PW upload --file PATH --filename NAME [--chunk-size N]
  mwclient_client.py --api URL --user NAME --password PW upload-url --url URL --filename NAME
  mwclient_client.py --api URL --user NAME --password PW thumb --filename NAME --width W
  mwclient_client.py --api URL --user NAME --password PW search --query Q [--what text] [--namespace N] [--limit N]

Login method (--login-method auto, the default): a user name containing "@"
(bot password) uses Site.login() (action=login); a main account uses
Site.clientlogin() (action=clientlogin). --login-method login|clientlogin forces one.

mwclient switches to a chunked upload by itself when the file is larger than
Site.chunk_size (default 1 MiB); --chunk-size sets Site.chunk_size.
Prints one JSON line on success; exits non-zero with a message on stderr otherwise.
"""
import argparse
import hashlib
import io
import json
import os
import sys
import urllib.parse


def die(msg, code=1):
    print(json.dumps({"ok": False, "error": str(msg)}))
    print(f"mwclient_client: {msg}", file=sys.stderr)
    sys.exit(code)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--api", required=True, help="e.g. http://127.0.0.1:8080/api.php")
    p.add_argument("--user", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--login-method", choices=["auto", "login", "clientlogin"], default="auto")
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("login")
    up = sub.add_parser("upload")
    up.add_argument("--file", required=True)
    up.add_argument("--filename", required=True)
    up.add_argument("--chunk-size", type=int, default=0)
    up.add_argument("--comment", default="Uploaded by mwclient_client.py")
    up.add_argument("--text", default="Test file uploaded by mwclient_client.py")
    up.add_argument("--ignore-warnings", action="store_true")
    pg = sub.add_parser("page")
    pg.add_argument("--title", required=True)
    pg.add_argument("--text", required=True)
    pg.add_argument("--summary", default="Edited by mwclient_client.py")
    th = sub.add_parser("thumb")
    th.add_argument("--filename", required=True)
    th.add_argument("--width", type=int, required=True)
    se = sub.add_parser("search")
    se.add_argument("--query", required=True)
    se.add_argument("--what", default=None)
    se.add_argument("--namespace", default="0")
    se.add_argument("--limit", type=int, default=None)
    uu = sub.add_parser("upload-url")
    uu.add_argument("--url", required=True)
    uu.add_argument("--filename", required=True)
    uu.add_argument("--comment", default="Uploaded from URL by mwclient_client.py")
    uu.add_argument("--text", default="Test file uploaded from URL by mwclient_client.py")
    uu.add_argument("--ignore-warnings", action="store_true")
    return p.parse_args()


def connect(args):
    import mwclient

    u = urllib.parse.urlsplit(args.api)
    if u.scheme not in ("http", "https") or not u.netloc or not u.path.endswith("/api.php"):
        die(f"--api must be an absolute http(s) URL ending in /api.php, got {args.api!r}")
    path = u.path[: -len("api.php")]  # keeps the trailing slash: "/" for script path ""
    site = mwclient.Site(
        u.netloc,
        path=path,
        scheme=u.scheme,
        clients_useragent="wikiupload-test-mwclient_client/1.0",
        max_retries=1,
        retry_timeout=1,
        connection_options={"timeout": 120},
    )
    method = args.login_method
    if method == "auto":
        method = "login" if "@" in args.user else "clientlogin"
    if method == "login":
        site.login(args.user, args.password)
    else:
        ok = site.clientlogin(username=args.user, password=args.password)
        if ok is not True:
            die(f"clientlogin did not PASS: {ok}")
        site.site_init()  # refresh username/rights after clientlogin
    if not site.logged_in:
        die("still anonymous after login")
    return site


def main():
    args = parse_args()
    try:
        import mwclient  # noqa: F401
        from mwclient import errors as mwerrors
    except Exception as e:  # noqa: BLE001
        die(f"cannot import mwclient: {e!r}")
    try:
        site = connect(args)
        if args.cmd == "login":
            print(json.dumps({"ok": True, "user": site.username, "rights": list(site.rights)}))
            return
        if args.cmd == "page":
            # Page.text() reads prop=revisions; Page.edit() saves with action=edit.
            page = site.pages[args.title]
            before = page.text() if page.exists else None
            page.edit(args.text, summary=args.summary)
            after = site.pages[args.title].text(cache=False)
            if after != args.text:
                die(f"saved text {after!r} != {args.text!r}")
            print(json.dumps({"ok": True, "title": page.name, "before": before, "after": after}))
            return
        if args.cmd == "search":
            # Site.search() is list=search; the List follows continuation itself.
            hits = list(site.search(args.query, namespace=args.namespace, what=args.what,
                                    limit=args.limit))
            print(json.dumps({"ok": True, "hits": hits}))
            return
        if args.cmd == "thumb":
            res = site.get("query", prop="imageinfo", titles="File:" + args.filename,
                           iiprop="url|size|mime|thumbmime", iiurlwidth=args.width)
            info = list(res["query"]["pages"].values())[0]["imageinfo"][0]
            response = site.connection.get(info["thumburl"])
            print(json.dumps({
                "ok": True,
                "imageinfo": info,
                "status": response.status_code,
                "content_type": response.headers.get("content-type"),
                "size": len(response.content),
                "sha1": hashlib.sha1(response.content).hexdigest(),
            }))
            return

        kw = dict(filename=args.filename, description=args.text, comment=args.comment,
                  ignore=args.ignore_warnings)
        local_sha1 = None
        if args.cmd == "upload":
            if not os.path.isfile(args.file):
                die(f"no such file: {args.file}")
            if args.chunk_size:
                site.chunk_size = args.chunk_size
            with open(args.file, "rb") as f:
                local_sha1 = hashlib.sha1(f.read()).hexdigest()
            res = site.upload(file=open(args.file, "rb"), **kw)
        else:
            res = site.upload(url=args.url, **kw)
        # quirk: Site.upload() returns the "upload" member for direct/URL uploads
        # but the whole API response ({"upload": {...}}) after a chunked upload
        if isinstance(res, dict) and isinstance(res.get("upload"), dict):
            res = res["upload"]
        if not isinstance(res, dict) or res.get("result") != "Success":
            die(f"upload did not succeed: {json.dumps(res)[:2000]}")

        image = site.images[args.filename]  # fresh query: prop=info|imageinfo
        info = image.imageinfo
        if not info or "url" not in info:
            die(f"no imageinfo for File:{args.filename}: {image._info}")
        buf = io.BytesIO()
        image.download(buf)
        data = buf.getvalue()
        out = {
            "ok": True,
            "user": site.username,
            "title": image.name,
            "url": info["url"],
            "sha1": info["sha1"],
            "size": int(info["size"]),
            "downloaded_sha1": hashlib.sha1(data).hexdigest(),
            "downloaded_size": len(data),
            "upload_result": res.get("result"),
        }
        if local_sha1:
            out["local_sha1"] = local_sha1
            if local_sha1 != out["sha1"]:
                die(f"server sha1 {out['sha1']} != local sha1 {local_sha1}")
        if out["downloaded_sha1"] != out["sha1"]:
            die(f"downloaded file sha1 {out['downloaded_sha1']} != imageinfo sha1 {out['sha1']}")
        print(json.dumps(out))
    except SystemExit:
        raise
    except mwerrors.MwClientError as e:
        die(f"{type(e).__name__}: {e}")
    except Exception as e:  # noqa: BLE001
        import traceback
        traceback.print_exc(file=sys.stderr)
        die(f"{type(e).__name__}: {e}")


if __name__ == "__main__":
    main()
