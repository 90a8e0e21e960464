#!/usr/bin/env python3
"""A bot's CI step, as a user would write it with `requests`: log in with
the bot password made on Special:BotPasswords, upload one file, print one
JSON line of the answers. Run by tests/api/browser.rs:

    bot_upload.py API USER@BOT PASSWORD FILE NAME
"""
import json
import sys

import requests

api, user, password, path, name = sys.argv[1:6]
session = requests.Session()


def call(method, **params):
    params["format"] = "json"
    if method == "GET":
        answer = session.get(api, params=params, timeout=30)
    else:
        files = params.pop("files", None)
        answer = session.post(api, data=params, files=files, timeout=60)
    answer.raise_for_status()
    return answer.json()


login_token = call("GET", action="query", meta="tokens", type="login")["query"]["tokens"]["logintoken"]
login = call("POST", action="login", lgname=user, lgpassword=password, lgtoken=login_token)
csrf = call("GET", action="query", meta="tokens")["query"]["tokens"]["csrftoken"]
with open(path, "rb") as file:
    upload = call(
        "POST",
        action="upload",
        filename=name,
        comment="Uploaded by a bot with a bot password",
        token=csrf,
        files={"file": (name, file, "image/png")},
    )
print(json.dumps({"login": login, "upload": upload}))
