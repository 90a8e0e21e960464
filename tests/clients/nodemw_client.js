#!/usr/bin/env node
// Drive nodemw (npm) against a MediaWiki-compatible API (wikiupload or the reference wiki).
//
// Usage:
//   node nodemw_client.js --api URL --user NAME --password PW login
//   node nodemw_client.js --api URL --user NAME --password PW upload --file PATH --filename NAME [--chunk-size N]
//   node nodemw_client.js --api URL --user NAME --password PW upload-url --url URL --filename NAME
//
// Options: --node-modules DIR (where nodemw is installed; default: $CLIENTS_NODE_MODULES,
// then the first $NODE_PATH entry, then ./target/clients/node_modules, then normal resolution).
//
// nodemw quirks this exercises:
//  - logIn() POSTs action=login WITHOUT a token (and with an empty lgdomain=),
//    expects {"login":{"result":"NeedToken","token":...}}, then POSTs again with lgtoken.
//    That is its only login method, for bot passwords and main accounts alike.
//  - upload() builds multipart/form-data by hand (CRLF, boundary "nodemw<digits>",
//    lowercase "content-type" request header, file part filename="foo" and no
//    part Content-Type), always sends ignorewarnings= (empty) and text= (empty
//    unless given).
//  - uploadByUrl() does NOT use action=upload&url=: nodemw downloads the URL itself
//    and then does a normal file upload. "upload-url" therefore tests a direct upload.
//  - nodemw has no chunked upload: with --chunk-size the script sends the chunks
//    itself through nodemw's multipart encoder (api.call(..., "UPLOAD")), all values
//    as strings, then commits the stash with a urlencoded POST.
// Prints one JSON line on success; exits non-zero with a message on stderr otherwise.
"use strict";

const crypto = require("crypto");
const fs = require("fs");
const path = require("path");
const { createRequire } = require("module");

// nodemw/winston log to stdout: keep stdout for our single JSON line.
const realStdoutWrite = process.stdout.write.bind(process.stdout);
process.stdout.write = (...a) => process.stderr.write(...a);

function out(obj) {
  realStdoutWrite(JSON.stringify(obj) + "\n");
}

function die(msg) {
  out({ ok: false, error: String(msg) });
  process.stderr.write(`nodemw_client: ${msg}\n`);
  process.exit(1);
}

function parseArgs(argv) {
  const args = { _: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith("--")) {
      const key = a.slice(2);
      const next = argv[i + 1];
      if (next === undefined || next.startsWith("--")) {
        args[key] = true;
      } else {
        args[key] = next;
        i++;
      }
    } else {
      args._.push(a);
    }
  }
  return args;
}

function loadNodemw(args) {
  const candidates = [];
  if (typeof args["node-modules"] === "string") candidates.push(args["node-modules"]);
  if (process.env.CLIENTS_NODE_MODULES) candidates.push(process.env.CLIENTS_NODE_MODULES);
  if (process.env.NODE_PATH) candidates.push(...process.env.NODE_PATH.split(path.delimiter).filter(Boolean));
  candidates.push(path.resolve("target/clients/node_modules"));
  for (const dir of candidates) {
    try {
      return createRequire(path.join(path.resolve(dir), "_resolve_from_here.js"))("nodemw");
    } catch (e) {
      if (e.code !== "MODULE_NOT_FOUND") throw e;
    }
  }
  try {
    return require("nodemw");
  } catch (e) {
    die(`cannot load nodemw (tried ${candidates.join(", ")}): ${e.message}`);
  }
}

const sha1 = (buf) => crypto.createHash("sha1").update(buf).digest("hex");

// promisify a nodemw callback API: cb(err, data, next, raw)
function p(fn) {
  return new Promise((resolve, reject) => {
    fn((err, data, next, raw) => (err ? reject(err) : resolve({ data, next, raw })));
  });
}

async function chunkedUpload(client, file, filename, chunkSize, text, comment) {
  const content = fs.readFileSync(file);
  const filesize = content.length;
  const { data: token } = await p((cb) => client.getToken(`File:${filename}`, "edit", cb));
  let offset = 0;
  let filekey;
  let res;
  while (offset < filesize) {
    const chunk = content.subarray(offset, Math.min(offset + chunkSize, filesize));
    // nodemw's encoder sends every non-string value as a file part: use strings only
    const params = {
      action: "upload",
      stash: "1",
      ignorewarnings: "",
      filename,
      filesize: String(filesize),
      offset: String(offset),
      chunk,
      token,
    };
    if (filekey) params.filekey = filekey;
    ({ data: res } = await p((cb) => client.api.call(params, cb, "UPLOAD")));
    if (!res) throw new Error("empty chunk response");
    if (res.filekey) filekey = res.filekey;
    if (res.result === "Continue") {
      offset = Number(res.offset);
    } else if (res.result === "Success") {
      break;
    } else {
      throw new Error(`unexpected chunk result: ${JSON.stringify(res)}`);
    }
  }
  if (!res || res.result !== "Success") throw new Error(`chunks did not finish: ${JSON.stringify(res)}`);
  const { data: commit } = await p((cb) =>
    client.api.call(
      { action: "upload", filename, filekey, text, comment, ignorewarnings: "", token },
      cb,
      "POST",
    ),
  );
  return commit;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const cmd = args._[0];
  for (const k of ["api", "user", "password"]) {
    if (typeof args[k] !== "string") die(`--${k} is required`);
  }
  if (!["login", "upload", "upload-url", "page"].includes(cmd)) die("subcommand must be login, upload, upload-url or page");
  const Bot = loadNodemw(args);

  let u;
  try {
    u = new URL(args.api);
  } catch (e) {
    die(`bad --api URL: ${args.api}`);
  }
  if (!u.pathname.endsWith("/api.php")) die(`--api must end with /api.php: ${args.api}`);
  const client = new Bot({
    protocol: u.protocol.replace(":", ""),
    server: u.hostname,
    port: u.port || undefined,
    path: u.pathname.slice(0, -"/api.php".length),
    userAgent: "wikiupload-test-nodemw_client/1.0",
    debug: args.debug === true,
    concurrency: 1,
  });

  try {
    await p((cb) => client.logIn(args.user, args.password, cb));
  } catch (e) {
    die(`login failed: ${e.message}`);
  }
  let ui;
  try {
    ({ data: ui } = await p((cb) => client.whoami(cb)));
  } catch (e) {
    die(`whoami failed: ${e.message}`);
  }
  if (!ui || ui.anon !== undefined) die(`still anonymous after login: ${JSON.stringify(ui)}`);
  if (cmd === "login") {
    out({ ok: true, user: ui.name, rights: ui.rights || [] });
    return;
  }
  if (cmd === "page") {
    // getArticle() reads prop=revisions; edit() saves with action=edit.
    if (typeof args.title !== "string" || typeof args.text !== "string") die("--title and --text are required");
    const summary = typeof args.summary === "string" ? args.summary : "Edited by nodemw_client.js";
    let before, after;
    try {
      ({ data: before } = await p((cb) => client.getArticle(args.title, cb)));
      await p((cb) => client.edit(args.title, args.text, summary, false, cb));
      ({ data: after } = await p((cb) => client.getArticle(args.title, cb)));
    } catch (e) {
      die(`page read/edit failed: ${e.message}`);
    }
    if (after !== args.text) die(`saved text ${JSON.stringify(after)} != ${JSON.stringify(args.text)}`);
    out({ ok: true, title: args.title, before: before === undefined ? null : before, after });
    return;
  }

  const filename = args.filename;
  if (typeof filename !== "string") die("--filename is required");
  const text = typeof args.text === "string" ? args.text : "Test file uploaded by nodemw_client.js";
  const comment = typeof args.comment === "string" ? args.comment : "Uploaded by nodemw_client.js";
  let res;
  let localSha1;
  try {
    if (cmd === "upload") {
      if (typeof args.file !== "string" || !fs.existsSync(args.file)) die(`no such file: ${args.file}`);
      const content = fs.readFileSync(args.file);
      localSha1 = sha1(content);
      const chunkSize = args["chunk-size"] ? parseInt(args["chunk-size"], 10) : 0;
      if (chunkSize > 0) {
        res = await chunkedUpload(client, args.file, filename, chunkSize, text, comment);
      } else {
        ({ data: res } = await p((cb) => client.upload(filename, content, { comment, text }, cb)));
      }
    } else {
      if (typeof args.url !== "string") die("--url is required");
      // nodemw fetches the URL itself and then uploads the bytes (no server-side url=)
      ({ data: res } = await p((cb) => client.uploadByUrl(filename, args.url, comment, cb)));
    }
  } catch (e) {
    die(`upload failed: ${e.message}`);
  }
  if (!res || res.result !== "Success") die(`upload did not succeed: ${JSON.stringify(res)}`);

  // nodemw's own getImageInfo (iiprop timestamp|user|metadata|size|url, no sha1) ...
  let ii;
  try {
    ({ data: ii } = await p((cb) => client.getImageInfo(`File:${filename}`, cb)));
  } catch (e) {
    die(`getImageInfo failed: ${e.message}`);
  }
  if (!ii || !ii.url) die(`no imageinfo for File:${filename}`);
  // ... plus a plain query for the sha1
  let page;
  try {
    const { data } = await p((cb) =>
      client.api.call({ action: "query", titles: `File:${filename}`, prop: "imageinfo", iiprop: "url|sha1|size" }, cb),
    );
    page = Object.values(data.pages)[0];
  } catch (e) {
    die(`imageinfo query failed: ${e.message}`);
  }
  if (!page || !page.imageinfo) die(`no imageinfo (sha1) for File:${filename}`);
  const info = page.imageinfo[0];
  let body;
  try {
    ({ data: body } = await p((cb) => client.fetchUrl(info.url, cb, "binary")));
  } catch (e) {
    die(`download of ${info.url} failed: ${e.message}`);
  }
  const result = {
    ok: true,
    user: ui.name,
    title: page.title,
    url: info.url,
    sha1: info.sha1,
    size: info.size,
    downloaded_sha1: sha1(body),
    downloaded_size: body.length,
    upload_result: res.result,
    getimageinfo_size: ii.size,
    server_side_url_upload: false,
  };
  if (cmd === "upload") delete result.server_side_url_upload;
  if (localSha1) result.local_sha1 = localSha1;
  if (localSha1 && localSha1 !== result.sha1) die(`server sha1 ${result.sha1} != local sha1 ${localSha1}`);
  if (result.downloaded_sha1 !== result.sha1) die(`downloaded sha1 ${result.downloaded_sha1} != imageinfo sha1 ${result.sha1}`);
  out(result);
}

main().catch((e) => die(e && e.stack ? e.stack : String(e)));
