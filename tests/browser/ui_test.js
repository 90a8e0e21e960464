// The web UI in a real Chromium, driven by playwright-core: log in, upload
// three files (one of 40 MiB on a throttled connection) and watch the
// progress bar move, reload in the middle and resume, resolve an `exists`
// warning and cancel a `duplicate`, see the files in the gallery, open a
// File page, revert to an old version, create a bot password, delete and
// undelete as an administrator, and scan the pages with axe-core. Run by tests/api/browser.rs,
// which starts the server, makes the files and checks the server's side;
// this script prints one JSON line of what it saw (or exits non-zero).
//
// Environment: BASE (server URL), USER, PASSWORD, ADMIN_PASSWORD, FILES (directory with
// small-a.png, small-b.png, big.png, changed-a.png), ARTIFACTS (screenshots),
// BROWSER_NODE_MODULES, CHROMIUM, BIG_SIZE, CHUNK_SIZE.
'use strict';

const path = require('path');

const modules = process.env.BROWSER_NODE_MODULES;
const { chromium } = require(path.join(modules, 'playwright-core'));
const axePath = path.join(modules, 'axe-core', 'axe.min.js');
const base = process.env.BASE;
const files = process.env.FILES;
const artifacts = process.env.ARTIFACTS;
const bigSize = Number(process.env.BIG_SIZE);
const chunkSize = Number(process.env.CHUNK_SIZE);

const seen = { axe: {}, progress: [] };

function check(condition, what) {
  if (!condition) throw new Error(`check failed: ${what}`);
}

const row = (page, name) => page.locator(`li.upload-row[data-name="${name}"]`);

async function waitForState(page, name, state, timeout = 120000) {
  try {
    await page.waitForSelector(`li.upload-row[data-name="${name}"][data-state="${state}"]`, { timeout });
  } catch (error) {
    const rows = await page.locator('li.upload-row').evaluateAll((all) =>
      all.map((r) => `${r.dataset.name} [${r.dataset.state}] ${r.innerText.replace(/\s+/g, ' ')}`));
    throw new Error(`${name} never got to "${state}": ${rows.join(' | ')}`);
  }
}

async function progressOf(page, name) {
  return row(page, name).locator('progress').evaluate((p) => p.value);
}

// Serious and critical WCAG 2 A/AA violations on the page.
async function scan(page, label) {
  await page.addScriptTag({ path: axePath });
  const result = await page.evaluate(() => window.axe.run({ runOnly: ['wcag2a', 'wcag2aa', 'best-practice'] }));
  seen.axe[label] = result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join('; ')})`);
}

async function main() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM,
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
  // axe is injected as a script: the pages' CSP would refuse it.
  const context = await browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const consoleErrors = [];
  page.on('console', (message) => { if (message.type() === 'error') consoleErrors.push(message.text()); });
  page.on('pageerror', (error) => consoleErrors.push(String(error)));
  page.on('response', (response) => {
    if (response.status() >= 400) consoleErrors.push(`${response.status()} ${response.url()}`);
  });

  // Log in through the form.
  await page.goto(`${base}/index.php/Special:UserLogin?returnto=Special:Upload`);
  await scan(page, 'login');
  await page.getByLabel('Username').fill(process.env.USER);
  await page.getByLabel('Password').fill(process.env.PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(/Special:Upload/);
  check(await page.locator('#uploader').isVisible(), 'the uploader is open on Special:Upload');

  // A slow connection, so the big file takes seconds.
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false, latency: 5, downloadThroughput: -1, uploadThroughput: 3 * 1024 * 1024,
  });

  await page.setInputFiles('#uploader-input', ['small-a.png', 'small-b.png', 'big.png'].map((f) => path.join(files, f)));
  check(await page.locator('li.upload-row').count() === 3, 'three rows');
  const a = row(page, 'small-a.png');
  await a.getByLabel('File name').fill('Browser test A.png');
  await a.getByLabel('Description').fill('A picture uploaded from the browser test.');
  await a.getByLabel('Categories (separated by commas)').fill('Browser tests, Pictures');
  await row(page, 'small-b.png').getByLabel('File name').fill('Browser test B.png');
  await row(page, 'big.png').getByLabel('File name').fill('Browser test big.png');
  await scan(page, 'upload');
  await page.click('#uploader-start');
  await waitForState(page, 'small-a.png', 'done');
  await waitForState(page, 'small-b.png', 'done');

  // The big file's bar moves; at about 40 % the page is reloaded.
  let before = 0;
  const deadline = Date.now() + 120000;
  while (Date.now() < deadline) {
    const value = await progressOf(page, 'big.png');
    if (seen.progress.length === 0 || seen.progress[seen.progress.length - 1] !== value) seen.progress.push(value);
    if (value >= bigSize * 0.4) { before = value; break; }
    await page.waitForTimeout(150);
  }
  check(before > 0, 'the big upload got to 40 %');
  seen.statusMidUpload = await row(page, 'big.png').locator('.upload-status').textContent();
  await page.screenshot({ path: path.join(artifacts, 'upload-in-progress.png'), fullPage: true });
  seen.offsetBeforeReload = before;
  await page.reload();

  // After the reload the upload continues from the server's offset.
  await page.waitForSelector('li.upload-row[data-name="big.png"]', { timeout: 30000 });
  let resumedAt = 0;
  while (resumedAt === 0 && Date.now() < deadline) {
    resumedAt = await progressOf(page, 'big.png');
    await page.waitForTimeout(50);
  }
  seen.firstValueAfterReload = resumedAt;
  check(resumedAt >= before - 2 * chunkSize, `resumed near ${before}, not from the start (${resumedAt})`);
  await waitForState(page, 'big.png', 'done', 180000);
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1,
  });

  // The same name again with other bytes: the `exists` warning, with the
  // existing file's thumbnail; "Upload anyway" publishes a new version.
  await page.setInputFiles('#uploader-input', path.join(files, 'changed-a.png'));
  await row(page, 'changed-a.png').getByLabel('File name').fill('Browser test A.png');
  await page.click('#uploader-start');
  await waitForState(page, 'changed-a.png', 'warning', 60000);
  const warning = row(page, 'changed-a.png').locator('.upload-message');
  seen.existsWarning = await warning.textContent();
  check(await warning.locator('img').count() === 1, 'the existing file is shown');
  await row(page, 'changed-a.png').getByRole('button', { name: 'Upload anyway' }).click();
  await waitForState(page, 'changed-a.png', 'done', 60000);

  // The same bytes as B under another name: `duplicate`, cancelled.
  await page.setInputFiles('#uploader-input', path.join(files, 'small-b.png'));
  await row(page, 'small-b.png').last().getByLabel('File name').fill('Browser test B copy.png');
  await page.click('#uploader-start');
  await page.waitForSelector('li.upload-row[data-name="small-b.png"][data-state="warning"]', { timeout: 60000 });
  seen.duplicateWarning = await page.locator('li.upload-row[data-state="warning"] .upload-message').textContent();
  await page.locator('li.upload-row[data-state="warning"]').getByRole('button', { name: 'Cancel' }).click();
  check(await page.locator('li.upload-row[data-state="warning"]').count() === 0, 'cancelled row removed');

  // The gallery and the main page show the new files.
  await page.goto(`${base}/index.php/Special:NewFiles`);
  seen.newFiles = await page.locator('.gallery-name').allTextContents();
  await scan(page, 'newfiles');
  await page.goto(`${base}/index.php/Special:ListFiles?view=table`);
  await scan(page, 'listfiles-table');
  await page.goto(`${base}/`);
  await page.waitForLoadState('networkidle');
  seen.mainPageFiles = await page.locator('.gallery-name').allTextContents();
  await page.screenshot({ path: path.join(artifacts, 'main-page.png'), fullPage: true });
  await scan(page, 'main');

  // A File page.
  await page.getByRole('link', { name: 'Browser test A.png' }).first().click();
  await page.waitForURL(/File:Browser_test_A\.png/);
  seen.filePageHeading = await page.locator('h1').textContent();
  await page.waitForLoadState('networkidle');
  await page.screenshot({ path: path.join(artifacts, 'file-page.png'), fullPage: true });
  await scan(page, 'file');

  // Revert to the first version from the file history.
  await page.getByRole('link', { name: 'revert' }).first().click();
  await page.getByLabel('Reason').fill('Back to the first picture');
  await page.getByRole('button', { name: 'Revert' }).click();
  await page.waitForURL(/File:Browser_test_A\.png$/);
  seen.versionsAfterRevert = await page.locator('.file-history tbody tr').count();
  await scan(page, 'revert-done');

  // A bot password for a script, made on Special:BotPasswords; its
  // password is read once from the answer (tests/api/browser.rs then logs
  // in with it from Python and uploads).
  await page.getByRole('link', { name: 'Bot passwords' }).click();
  await page.waitForURL(/Special:BotPasswords$/);
  await page.getByLabel('Bot name').fill('browserci');
  await page.getByRole('button', { name: 'Create' }).click();
  await page.waitForURL(/Special:BotPasswords\/browserci$/);
  await page.getByLabel('Upload new files and new versions of your own files').check();
  await page.getByLabel('Edit existing pages').check();
  await scan(page, 'botpasswords-form');
  await page.getByRole('button', { name: 'Create' }).click();
  await page.waitForSelector('#bot-password');
  seen.botUsername = await page.locator('#bot-username').textContent();
  seen.botPassword = await page.locator('#bot-password').textContent();
  await scan(page, 'botpasswords-created');
  await page.getByRole('link', { name: 'Back to your bot passwords' }).click();
  seen.botPasswordsListed = await page.locator('table.bot-passwords tbody td:first-child').allTextContents();

  // Delete and undelete need an administrator: log out, log in as one.
  await page.getByRole('link', { name: 'Log out' }).click();
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.goto(`${base}/index.php/Special:UserLogin?returnto=File:Browser_test_A.png`);
  await page.getByLabel('Username').fill('Admin');
  await page.getByLabel('Password').fill(process.env.ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(/File:Browser_test_A\.png$/);
  const errorsBeforeDeletion = consoleErrors.length;
  await page.getByRole('link', { name: 'Delete' }).click();
  await page.getByLabel('Reason').fill('Deleted by the browser test');
  await page.getByRole('button', { name: 'Delete' }).click();
  await page.waitForURL(/File:Browser_test_A\.png$/);
  seen.deletedPageHasUndelete = await page.getByRole('link', { name: 'Undelete' }).count();
  // The deleted page is a 404, as MediaWiki's; that one is expected.
  seen.deletedPageErrors = consoleErrors.splice(errorsBeforeDeletion);
  await page.getByRole('link', { name: 'Undelete' }).click();
  await page.getByRole('button', { name: 'Undelete' }).click();
  await page.waitForURL(/File:Browser_test_A\.png$/);
  seen.versionsAfterUndelete = await page.locator('.file-history tbody tr').count();

  // A phone's width: nothing wider than the screen.
  await page.setViewportSize({ width: 375, height: 740 });
  await page.goto(`${base}/index.php/Special:Upload`);
  seen.phoneOverflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

  seen.consoleErrors = consoleErrors;
  await browser.close();
  process.stdout.write(JSON.stringify(seen) + '\n');
}

main().catch((error) => {
  process.stderr.write(`${error.stack || error}\n${JSON.stringify(seen)}\n`);
  process.exit(1);
});
