#!/usr/bin/env node
// Drive mwn (npm) against a MediaWiki-compatible API (wikiupload or the reference wiki).
//
// Usage:
//   node mwn_client.mjs --api URL --user NAME --password PW login
//   node mwn_client.mjs --api URL --user NAME --password PW upload --file PATH --filename NAME [--chunk-size N]
//   node mwn_client.mjs --api URL --user NAME --password PW upload-url --url URL --filename NAME
//
// Options: --node-modules DIR (where mwn is installed; default: $CLIENTS_NODE_MODULES,
// then the first $NODE_PATH entry, then ./target/clients/node_modules, then normal resolution).
//
// mwn only knows action=login, so a main account also logs in with action=login
// (MediaWiki accepts it with a deprecation warning). mwn's upload() and
// uploadFromUrl() always send ignorewarnings=1. mwn has no chunked upload of its
// own: with --chunk-size the script does the chunk loop itself through
// bot.request() (mwn's multipart encoder, booleans as "1"), then commits the
// stashed file with a urlencoded action=upload&filekey=...
// Prints one JSON line on success; exits non-zero with a message on stderr otherwise.

import { createRequire } from 'node:module';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// mwn logs to stdout: keep stdout for our single JSON line.
const realStdoutWrite = process.stdout.write.bind(process.stdout);
console.log = (...a) => console.error(...a);
console.info = (...a) => console.error(...a);

function out(obj) {
	realStdoutWrite(JSON.stringify(obj) + '\n');
}

function die(msg) {
	out({ ok: false, error: String(msg) });
	console.error(`mwn_client: ${msg}`);
	process.exit(1);
}

function parseArgs(argv) {
	const args = { _: [] };
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i];
		if (a.startsWith('--')) {
			const key = a.slice(2);
			const next = argv[i + 1];
			if (next === undefined || next.startsWith('--')) {
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

function loadMwn(args) {
	const candidates = [];
	if (typeof args['node-modules'] === 'string') candidates.push(args['node-modules']);
	if (process.env.CLIENTS_NODE_MODULES) candidates.push(process.env.CLIENTS_NODE_MODULES);
	if (process.env.NODE_PATH) candidates.push(...process.env.NODE_PATH.split(path.delimiter).filter(Boolean));
	candidates.push(path.resolve('target/clients/node_modules'));
	for (const dir of candidates) {
		try {
			const req = createRequire(path.join(path.resolve(dir), '_resolve_from_here.js'));
			return req('mwn');
		} catch (e) {
			if (e.code !== 'MODULE_NOT_FOUND') throw e;
		}
	}
	try {
		return createRequire(import.meta.url)('mwn');
	} catch (e) {
		die(`cannot load mwn (tried ${candidates.join(', ')}): ${e.message}`);
	}
}

function sha1(buf) {
	return crypto.createHash('sha1').update(buf).digest('hex');
}

function errText(e) {
	if (!e) return 'unknown error';
	const parts = [e.code, e.info || e.message].filter(Boolean);
	if (e.response && e.response.data && typeof e.response.data === 'object') {
		parts.push(JSON.stringify(e.response.data).slice(0, 1500));
	}
	return parts.join(': ') || String(e);
}

async function chunkedUpload(bot, file, filename, chunkSize, text, comment) {
	const data = fs.readFileSync(file);
	const filesize = data.length;
	let offset = 0;
	let filekey;
	let res;
	while (offset < filesize) {
		const chunk = data.subarray(offset, Math.min(offset + chunkSize, filesize));
		const params = {
			action: 'upload',
			stash: true,
			filename,
			filesize,
			offset,
			ignorewarnings: true,
			chunk: { stream: chunk, name: path.basename(file) },
			token: bot.csrfToken,
		};
		if (filekey) params.filekey = filekey;
		const resp = await bot.request(params, { headers: { 'Content-Type': 'multipart/form-data' } });
		res = resp.upload;
		if (!res) throw new Error(`unexpected chunk response: ${JSON.stringify(resp)}`);
		if (res.filekey) filekey = res.filekey;
		if (res.result === 'Continue') {
			if (typeof res.offset !== 'number') throw new Error(`Continue without numeric offset: ${JSON.stringify(res)}`);
			offset = res.offset;
		} else if (res.result === 'Success') {
			break;
		} else {
			throw new Error(`unexpected chunk result: ${JSON.stringify(res)}`);
		}
	}
	if (!res || res.result !== 'Success') throw new Error(`chunks did not finish: ${JSON.stringify(res)}`);
	const commit = await bot.request({
		action: 'upload',
		filename,
		filekey,
		text,
		comment,
		ignorewarnings: true,
		token: bot.csrfToken,
	});
	return commit.upload;
}

async function main() {
	const args = parseArgs(process.argv.slice(2));
	const cmd = args._[0];
	for (const k of ['api', 'user', 'password']) {
		if (typeof args[k] !== 'string') die(`--${k} is required`);
	}
	if (!['login', 'upload', 'upload-url', 'page', 'continued'].includes(cmd)) die('subcommand must be login, upload, upload-url, page or continued');
	const { Mwn } = loadMwn(args);

	const bot = new Mwn({
		apiUrl: args.api,
		username: args.user,
		password: args.password,
		userAgent: 'wikiupload-test-mwn_client/1.0',
		silent: true,
		maxRetries: 1,
		retryPause: 500,
	});
	bot.setRequestOptions({ timeout: 120000 });
	try {
		await bot.login();
	} catch (e) {
		die(`login failed: ${errText(e)}`);
	}
	let ui;
	try {
		ui = await bot.userinfo({ uiprop: 'groups|rights' });
	} catch (e) {
		die(`userinfo failed: ${errText(e)}`);
	}
	if (ui.anon) die(`still anonymous after login: ${JSON.stringify(ui)}`);
	if (cmd === 'login') {
		out({ ok: true, user: ui.name, rights: ui.rights || [] });
		return;
	}
	if (cmd === 'continued') {
		// bot.continuedQuery() follows `continue` batch by batch.
		const names = [];
		try {
			for await (const batch of bot.continuedQueryGen({ action: 'query', list: 'allimages', ailimit: 2 })) {
				for (const file of batch.query.allimages) names.push(file.name);
			}
			const all = await bot.continuedQuery({ action: 'query', list: 'recentchanges', rclimit: 1, rcprop: 'ids' }, 100);
			const rcids = all.flatMap((batch) => batch.query.recentchanges.map((c) => c.rcid));
			out({ ok: true, allimages: names, recentchanges: rcids });
		} catch (e) {
			die(`continuedQuery failed: ${errText(e)}`);
		}
		return;
	}
	if (cmd === 'page') {
		// bot.read() reads prop=revisions; bot.edit() reads again and saves.
		if (typeof args.title !== 'string' || typeof args.text !== 'string') die('--title and --text are required');
		const summary = typeof args.summary === 'string' ? args.summary : 'Edited by mwn_client.mjs';
		let before, after;
		try {
			before = (await bot.read(args.title)).revisions[0].content;
			await bot.edit(args.title, () => ({ text: args.text, summary }));
			after = (await bot.read(args.title)).revisions[0].content;
		} catch (e) {
			die(`page read/edit failed: ${errText(e)}`);
		}
		if (after !== args.text) die(`saved text ${JSON.stringify(after)} != ${JSON.stringify(args.text)}`);
		out({ ok: true, title: args.title, before, after });
		return;
	}

	const filename = args.filename;
	if (typeof filename !== 'string') die('--filename is required');
	const text = typeof args.text === 'string' ? args.text : 'Test file uploaded by mwn_client.mjs';
	const comment = typeof args.comment === 'string' ? args.comment : 'Uploaded by mwn_client.mjs';
	let res;
	let localSha1;
	try {
		if (cmd === 'upload') {
			if (typeof args.file !== 'string' || !fs.existsSync(args.file)) die(`no such file: ${args.file}`);
			localSha1 = sha1(fs.readFileSync(args.file));
			const chunkSize = args['chunk-size'] ? parseInt(args['chunk-size'], 10) : 0;
			if (chunkSize > 0) {
				res = await chunkedUpload(bot, args.file, filename, chunkSize, text, comment);
			} else {
				res = await bot.upload(args.file, filename, text, { comment });
			}
		} else {
			if (typeof args.url !== 'string') die('--url is required');
			res = await bot.uploadFromUrl(args.url, filename, text, { comment });
		}
	} catch (e) {
		die(`upload failed: ${errText(e)}`);
	}
	if (!res || res.result !== 'Success') die(`upload did not succeed: ${JSON.stringify(res)}`);

	let info;
	let pageTitle;
	try {
		const q = await bot.request({
			action: 'query',
			titles: 'File:' + filename,
			prop: 'imageinfo',
			iiprop: 'url|sha1|size',
		});
		const page = q.query.pages[0];
		if (!page || page.missing || !page.imageinfo) die(`no imageinfo: ${JSON.stringify(q)}`);
		info = page.imageinfo[0];
		pageTitle = page.title;
	} catch (e) {
		die(`imageinfo failed: ${errText(e)}`);
	}
	const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mwn-dl-'));
	const dlPath = path.join(tmp, 'download' + path.extname(filename));
	let data;
	try {
		await bot.download('File:' + filename, dlPath);
		data = fs.readFileSync(dlPath);
	} catch (e) {
		die(`download failed: ${errText(e)}`);
	} finally {
		fs.rmSync(tmp, { recursive: true, force: true });
	}
	const result = {
		ok: true,
		user: ui.name,
		title: pageTitle,
		url: info.url,
		sha1: info.sha1,
		size: info.size,
		downloaded_sha1: sha1(data),
		downloaded_size: data.length,
		upload_result: res.result,
	};
	if (localSha1) result.local_sha1 = localSha1;
	if (localSha1 && localSha1 !== result.sha1) die(`server sha1 ${result.sha1} != local sha1 ${localSha1}`);
	if (result.downloaded_sha1 !== result.sha1) die(`downloaded sha1 ${result.downloaded_sha1} != imageinfo sha1 ${result.sha1}`);
	out(result);
}

main().catch((e) => die(e && e.stack ? e.stack : String(e)));
