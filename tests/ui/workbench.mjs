// What the UI specs share: a fresh code-server profile with only the packaged .vsix installed, served on 127.0.0.1 and
// driven by playwright-core through Debian's Chromium, and the user's gestures (Quick Open, the command palette) with
// a screenshot per step in tests/ui/artifacts/. Each spec file runs in a process of its own (node --test), so the
// workbench it starts is the `page` exported here.
import { after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const root = path.resolve(here, '../..');
export const artifacts = path.join(here, 'artifacts');
const codeServer = path.join(here, 'node_modules', '.bin', 'code-server');
export const T = { start: 90_000, server: 60_000, ui: 20_000 };

/** The workbench's page (set by startWorkbench). */
export let page;
let tmp, server, serverLog = '', browser;

/** The user settings every profile starts with: a quiet workbench that shows lenses and whole inlay hints. */
const BASE_SETTINGS = {
  'workbench.colorTheme': 'Default Dark Modern',
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.enableExperiments': false,
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'chat.commandCenter.enabled': false,
  'editor.minimap.enabled': false,
  'editor.inlayHints.enabled': 'on',
  'editor.inlayHints.maximumLength': 0, // whole hints (VS Code cuts them at 43 characters by default)
  'editor.codeLens': true,
  'editor.lightbulb.enabled': 'on',
  'editor.fontSize': 14,
  'window.commandCenter': false,
  'files.autoSave': 'off',
};

/**
 * Makes a temp folder with a fresh profile (user data, extensions) and a workspace that `fillWorkspace(workspace,
 * tmp)` fills, installs the .vsix (LFT_UI_VSIX, packaged by tests/ui/run), starts code-server on it and opens the
 * workspace in Chromium. `settings` are added to the user settings; `env` to code-server's environment (a value of
 * undefined removes a variable; a function of the temp folder gives it). Returns the folders; `after` stops it all.
 */
export async function startWorkbench({ prefix, fillWorkspace, settings = {}, env: extraEnv = {} }) {
  const vsix = process.env.LFT_UI_VSIX;
  assert.ok(vsix && existsSync(vsix), `LFT_UI_VSIX must name the packaged extension (tests/ui/run sets it); got ${vsix}`);
  mkdirSync(artifacts, { recursive: true });
  tmp = mkdtempSync(path.join(os.tmpdir(), prefix));
  const userData = path.join(tmp, 'user-data');
  const extensions = path.join(tmp, 'extensions');
  const workspace = path.join(tmp, 'workspace');
  mkdirSync(workspace, { recursive: true });
  await fillWorkspace(workspace, tmp);
  mkdirSync(path.join(userData, 'User'), { recursive: true });
  writeFileSync(path.join(userData, 'User', 'settings.json'), JSON.stringify({ ...BASE_SETTINGS, ...settings }, null, 2));
  const config = path.join(tmp, 'config.yaml');
  writeFileSync(config, ''); // keeps code-server from writing ~/.config/code-server/config.yaml
  const common = ['--config', config, '--user-data-dir', userData, '--extensions-dir', extensions];
  const env = { ...process.env, XDG_DATA_HOME: path.join(tmp, 'xdg-data'), XDG_CONFIG_HOME: path.join(tmp, 'xdg-config'), ...(typeof extraEnv === 'function' ? extraEnv(tmp) : extraEnv) };
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete env[key];

  await run(codeServer, [...common, '--install-extension', vsix], { env });

  const port = await freePort();
  server = spawn(codeServer, [...common, '--auth', 'none', '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust',
    '--disable-getting-started-override', '--bind-addr', `127.0.0.1:${port}`, workspace], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  server.stdout.on('data', (d) => (serverLog += d));
  server.stderr.on('data', (d) => (serverLog += d));
  await waitForHttp(`http://127.0.0.1:${port}/healthz`, T.start);

  browser = await chromium.launch({ executablePath: process.env.LFT_UI_CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  page = await browser.newPage({ viewport: { width: 1600, height: 960 } });
  page.setDefaultTimeout(T.ui);
  await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`);
  await page.locator('.monaco-workbench').waitFor({ timeout: T.start });
  return { tmp, workspace, userData, extensions };
}

after(async () => {
  await browser?.close().catch(() => {});
  if (server?.pid) {
    try { process.kill(-server.pid, 'SIGTERM'); } catch { /* already gone */ }
  }
  // LFT_UI_KEEP=1 keeps the profile (logs under user-data/logs) for a look after a failure.
  if (tmp && !process.env.LFT_UI_KEEP) rmSync(tmp, { recursive: true, force: true });
  else if (tmp) console.log(`ui: kept ${tmp}`);
});

/** A screenshot for each step; failures name it so the reader can look. */
export async function shot(name) {
  const file = path.join(artifacts, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

/** Runs a step; on failure saves a screenshot and puts its path (and the server's last log lines) in the message. */
export async function step(name, body, { screenshot = true } = {}) {
  try {
    await body();
    if (screenshot) await shot(name);
  } catch (error) {
    const file = page ? await shot(`${name}-FAILED`).catch(() => '(no screenshot)') : '(no page)';
    error.message = `${error.message}\n    screenshot: ${file}\n    code-server log (tail):\n${serverLog.split('\n').slice(-15).join('\n')}`;
    throw error;
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** Runs a program to its end; its output, or an error with the output when it fails. */
export function run(command, args, options) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${path.basename(command)} ${args.join(' ')} exited ${code}:\n${out}`))));
  });
}

async function waitForHttp(url, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(url)).ok) return;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) throw new Error(`code-server did not answer ${url} within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Opens a workspace file with Quick Open (Ctrl+P), as a user would, and waits for a text in it. */
export async function quickOpen(name, text) {
  await page.locator('.monaco-workbench .part.editor').click();
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor();
  await input.fill(name);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor();
  await page.keyboard.press('Enter');
  const editor = page.locator('.editor-instance .monaco-editor').first();
  await editor.locator('.view-lines', { hasText: text }).waitFor();
  return editor;
}

/** Runs a command from the command palette, as a user would. */
export async function runCommand(title) {
  await page.locator('.editor-instance .monaco-editor').first().click({ position: { x: 200, y: 200 } });
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor();
  await input.fill(`>${title}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor();
  await page.keyboard.press('Enter');
}

/** Polls a condition (the workbench updates asynchronously) and fails with the given message after the UI timeout. */
export async function assertEventually(condition, message, timeoutMs = T.ui) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await condition()) return;
    } catch { /* element not there yet */ }
    if (Date.now() > deadline) assert.fail(`${message} (waited ${timeoutMs / 1000} s)`);
    await new Promise((r) => setTimeout(r, 150));
  }
}
