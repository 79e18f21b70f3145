// A new user with only the .vsix: a clean code-server profile, no checkout anywhere the server looks, no lft.trainerPath,
// no LFT_TRAIN_DLL. The first "Train" asks to download the trainer, installs LspFineTune.Train from a local package
// folder (lft.trainerPackageSource; built here from this checkout by scripts/pack-tool --trainer), trains the tiny
// example from the code lens and shows the measured peak next to the estimate; after a reload (a later session) the
// installed trainer is used without asking. The steps run in order; screenshots in tests/ui/artifacts/first-use-*.png.
// Input: LFT_UI_VSIX (tests/ui/run packages it). The install may ask nuget.org too; without a network it is skipped.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { T, artifacts, page, quickOpen, root, run, runCommand, shot, startWorkbench, step } from './workbench.mjs';

const CONFIG = 'tiny-cpu-lora.lft.yaml';
const version = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).version;
const feed = path.join(artifacts, 'feed', 'nupkg');
const nupkg = path.join(feed, `LspFineTune.Train.${version}.nupkg`);
let userData, declared;

/** Bytes of the files under a folder. */
function folderBytes(folder) {
  return readdirSync(folder, { withFileTypes: true }).reduce((sum, entry) => {
    const file = path.join(folder, entry.name);
    return sum + (entry.isDirectory() ? folderBytes(file) : entry.isFile() ? statSync(file).size : 0);
  }, 0);
}

/** The sizes the consent question states (client-vscode/src/trainerInstall.ts), bundled as the client tests do. */
async function declaredSizes() {
  const require = createRequire(path.join(root, 'package.json'));
  const outfile = path.join(os.tmpdir(), `lft-ui-trainer-install-${process.pid}.cjs`);
  await require('esbuild').build({ entryPoints: [path.join(root, 'client-vscode/src/trainerInstall.ts')], bundle: true, format: 'cjs', platform: 'node', outfile, logLevel: 'error' });
  const { TRAINER_DOWNLOAD_MB, TRAINER_INSTALLED_MB } = require(outfile);
  return { download: TRAINER_DOWNLOAD_MB, installed: TRAINER_INSTALLED_MB };
}

/** Clicks the tiny config's "Train with bundled trainer" lens. */
async function clickTrainLens() {
  const editor = await quickOpen(CONFIG, 'models/tiny');
  await editor.locator('.codelens-decoration a', { hasText: 'Train with bundled trainer' }).first().click({ timeout: T.server });
}

/** Waits for the training's progress and its end, and returns the end's message. */
async function trainingDone(name) {
  await page.locator('.notification-toast', { hasText: /step \d+\/60 · loss/ }).first().waitFor({ timeout: 240_000 });
  await shot(`${name}-progress`);
  const done = page.locator('.notification-toast', { hasText: /done after 60 steps/ }).first();
  await done.waitFor({ timeout: 240_000 });
  const text = await done.innerText();
  assert.match(text, /peak memory .* measured vs .* estimated/, text);
  return text;
}

before(async () => {
  // The package folder a user without a network would copy the package into.
  const started = Date.now();
  await run(path.join(root, 'scripts', 'pack-tool'), ['--trainer', '--out', path.dirname(feed)], { cwd: root });
  assert.ok(existsSync(nupkg), `scripts/pack-tool --trainer made ${nupkg}`);
  console.log(`ui: packed ${path.basename(nupkg)} (${(statSync(nupkg).size / 1e6).toFixed(0)} MB) in ${Math.round((Date.now() - started) / 1000)} s`);
  declared = await declaredSizes();

  ({ userData } = await startWorkbench({
    prefix: 'lft-ui-first-use-',
    fillWorkspace(folder) {
      cpSync(path.join(root, 'examples', CONFIG), path.join(folder, CONFIG));
      for (const dir of ['models', 'data']) cpSync(path.join(root, 'examples', dir), path.join(folder, dir), { recursive: true });
    },
    settings: { 'lft.trainerPackageSource': feed },
    env: { LFT_TRAIN_DLL: undefined },
  }));
});

describe('the installed extension trains on first use (clean profile, the .vsix only)', () => {
  const cache = () => path.join(userData, 'User', 'globalStorage', 'lspfinetune.lft', 'trainer');

  it('the first Train asks before downloading: the package, its size, the source', async () => {
    await step('first-use-01-consent', async () => {
      await clickTrainLens();
      const dialog = page.locator('.monaco-dialog-box', { hasText: `Download LspFineTune's trainer (LspFineTune.Train ${version}` });
      await dialog.waitFor({ timeout: T.server });
      const text = await dialog.innerText();
      assert.match(text, new RegExp(`about ${declared.download} MB\\) from ${feed.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\?`), text);
      assert.match(text, /used from there in later sessions without asking/, text);
      assert.equal(existsSync(cache()), false, 'nothing is downloaded before the answer');
    });
  });

  it('Download installs it with a progress notification, into the extension\'s storage', async () => {
    await step('first-use-02-installing', async () => {
      const started = Date.now();
      await page.locator('.monaco-dialog-box').getByRole('button', { name: 'Download' }).click();
      await page.locator('.notification-toast', { hasText: /Installing the trainer from/ }).first().waitFor({ timeout: T.server });
      await shot('first-use-02a-installing');
      // The run starts once the server was restarted with the installed trainer.
      await page.locator('.notification-toast', { hasText: /Training tiny-cpu-lora\.lft\.yaml/ }).first().waitFor({ timeout: 300_000 });
      const folder = path.join(cache(), version);
      assert.ok(existsSync(folder), `${folder} holds the install`);
      assert.deepEqual(readdirSync(cache()), [version], 'no partial install beside it');
      const installed = folderBytes(folder) / 1e6;
      console.log(`ui: trainer installed in about ${Math.round((Date.now() - started) / 1000)} s: ${installed.toFixed(0)} MB in ${folder}`);
      // The sizes the question states are those of the package this checkout builds (within a fifth).
      const download = statSync(nupkg).size / 1e6;
      assert.ok(Math.abs(download / declared.download - 1) < 0.2, `the package is ${download.toFixed(0)} MB; the question says ${declared.download} MB`);
      assert.ok(Math.abs(installed / declared.installed - 1) < 0.2, `the install is ${installed.toFixed(0)} MB; the question says ${declared.installed} MB`);
    });
  });

  it('the code lens run trains the tiny model and ends with the measured peak next to the estimate', async () => {
    await step('first-use-03-trained', async () => {
      await trainingDone('first-use-03a');
    });
  });

  it('a later session (the window reloaded) trains with the installed trainer without asking', async () => {
    await step('first-use-04-later-session', async () => {
      const reloaded = page.waitForEvent('load', { timeout: T.start });
      await runCommand('Developer: Reload Window');
      await reloaded;
      await page.locator('.monaco-workbench').waitFor({ timeout: T.start });
      await clickTrainLens();
      await page.locator('.notification-toast', { hasText: /Training tiny-cpu-lora\.lft\.yaml/ }).first().waitFor({ timeout: T.server });
      assert.equal(await page.locator('.monaco-dialog-box').count(), 0, 'no download question');
      await trainingDone('first-use-04a');
    });
  });
});
