// The extension in the real VS Code workbench: code-server serves VS Code on 127.0.0.1 with our .vsix installed in a
// fresh profile, playwright-core drives Debian's Chromium through it like a user. The steps depend on each other
// (one workbench, one document) and run in order; each saves a screenshot to tests/ui/artifacts/.
// Input: LFT_UI_VSIX (tests/ui/run packages it). Nothing here reaches the network.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { T, assertEventually, page, quickOpen, root, runCommand, shot, startWorkbench, step } from './workbench.mjs';

const EXAMPLE = 'mistral-7b-long-context.lft.yaml';
/** An axolotl config whose ZeRO-2 companion (ds_zero2.json, next to it) does not fit 8 x A100 40GB. */
const AXOLOTL = 'full-8b-zero2.yml';
/** A LLaMA-Factory full SFT on LLaMA-Factory's ZeRO-2 preset (examples/deepspeed/ds_z2_config.json, resolved by name:
 * the workspace has no such file) that does not fit 8 x A100 40GB. */
const LLAMAFACTORY = 'llama3-8b-full-sft-ds2.yaml';
/** A YAML file that is no training config: the server must leave it alone. */
const WORKFLOW = path.join('.github', 'workflows', 'ci.yml');
/** A program of the repository's own that its .vscode/settings.json names as dotnet and as the trainer. */
const IMPOSTOR = 'tools/impostor';

let workspace, impostorRan;

/** The status bar entry of the extension (its accessibility label is set by client-vscode/src/statusBar.ts). */
const statusItem = () => page.locator('.statusbar-item', { has: page.locator('[aria-label^="Fine-tuning memory estimate"]') }).or(page.locator('.statusbar-item[aria-label^="Fine-tuning memory estimate"]')).first();
/** The breakdown webview's page: two iframes deep in the workbench. */
const webview = () => page.frameLocator('iframe.webview.ready').last().frameLocator('#active-frame');

/**
 * Puts the cursor in the editor's first error squiggle (a click in its middle) and returns the lightbulb VS Code then
 * shows: over the text, or in the gutter when the line above the squiggle is not empty.
 */
async function lightbulbAtFirstError(editor) {
  const squiggle = editor.locator('.squiggly-error').first();
  const box = await squiggle.boundingBox();
  assert.ok(box, 'the squiggle is on screen');
  await page.mouse.click(box.x + Math.min(box.width / 2, 20), box.y + box.height / 2);
  const bulb = editor.locator('.lightBulbWidget:visible').or(editor.locator('.glyph-margin-widgets [class*="codicon-gutter-lightbulb"]')).first();
  await bulb.waitFor();
  return bulb;
}

before(async () => {
  // A copy of the examples, so nothing edits the repository.
  ({ workspace } = await startWorkbench({
    prefix: 'lft-ui-',
    fillWorkspace(folder, tmp) {
      cpSync(path.join(root, 'examples'), folder, { recursive: true });
      mkdirSync(path.join(folder, path.dirname(WORKFLOW)), { recursive: true });
      writeFileSync(path.join(folder, WORKFLOW), [
        'name: ci',
        'on: [push, pull_request]',
        'jobs:',
        '  test:',
        '    runs-on: ubuntu-latest',
        '    steps:',
        '      - uses: actions/checkout@v4',
        '      - run: ./test',
        '',
      ].join('\n'));
      // The repository tries to choose the programs the extension runs; they come from the user settings only.
      impostorRan = path.join(tmp, 'impostor-ran');
      mkdirSync(path.join(folder, 'tools'), { recursive: true });
      writeFileSync(path.join(folder, IMPOSTOR), `#!/bin/sh\ntouch '${impostorRan}'\n`, { mode: 0o755 });
      mkdirSync(path.join(folder, '.vscode'), { recursive: true });
      writeFileSync(path.join(folder, '.vscode', 'settings.json'), JSON.stringify({ 'lft.dotnetPath': `./${IMPOSTOR}`, 'lft.trainerPath': `./${IMPOSTOR}` }, null, 2));
    },
    // The installed extension lives in a temp folder, far from this checkout's trainer build: point at it
    // (first-use.test.mjs installs the trainer package instead).
    settings: { 'lft.trainerPath': path.join(root, 'server', 'LspFineTune.Trainer', 'bin', 'Release', 'net10.0', 'linux-x64', 'lft-train.dll') },
  }));
});

describe('LspFineTune in the VS Code workbench (code-server)', () => {
  it("ignores the workspace's own dotnet and trainer paths, with a warning naming .vscode/settings.json", async () => {
    await step('00-workspace-programs-ignored', async () => {
      const settingsFile = path.join(workspace, '.vscode', 'settings.json');
      for (const setting of ['lft.dotnetPath', 'lft.trainerPath']) {
        await page.locator('.notification-toast', { hasText: `LspFineTune ignores ${setting} in ${settingsFile}` }).first().waitFor({ timeout: T.start });
      }
      assert.equal(existsSync(impostorRan), false, 'the program named by the workspace ran');
      // Out of the way of the next steps (Escape hides the toasts; they stay in the notification center).
      await page.locator('.monaco-workbench .part.editor').click();
      await page.keyboard.press('Escape');
      await page.locator('.notification-toast', { hasText: 'LspFineTune ignores' }).first().waitFor({ state: 'hidden' });
    });
  });

  it('opens a config that does not fit: inlay hint, code lens, squiggle, red status bar', async () => {
    await step('01-does-not-fit', async () => {
      // Quick Open, like a user: Ctrl+P, the file name, Enter.
      const editor = await quickOpen(EXAMPLE, 'gradient_checkpointing');

      // The code lens on line 0 (the server's start-up and first analysis are included in this wait).
      const lens = editor.locator('.codelens-decoration a', { hasText: /Peak .* per GPU/ });
      await lens.first().waitFor({ timeout: T.server });
      assert.match(await lens.first().innerText(), /out of memory/, 'the estimate lens says it is out of memory');
      await editor.locator('.codelens-decoration a', { hasText: 'Find a plan that fits' }).waitFor();

      // The inlay hint with the peak and verdict at the end of the first line (Monaco renders it as injected text).
      const firstLine = editor.locator('.view-line').first();
      await assert.doesNotReject(firstLine.locator(':scope span', { hasText: /GB/ }).first().waitFor(), 'an inlay hint with the peak on line 1');

      // The out-of-memory squiggle.
      await editor.locator('.squiggly-error').first().waitFor();

      // The status bar: peak / usable with the error background.
      const item = statusItem();
      await item.waitFor();
      await assertEventually(async () => /error-kind/.test(await item.getAttribute('class')), 'the status bar item has the error background');
      assert.match(await item.innerText(), /GB \/ .*GB/);
    });
  });

  it('clicking the estimate lens opens the breakdown view, which says it does not fit', async () => {
    await step('02-breakdown-does-not-fit', async () => {
      const editor = page.locator('.editor-instance .monaco-editor').first();
      await editor.locator('.codelens-decoration a', { hasText: /Peak .* per GPU/ }).first().click();
      const view = webview();
      await view.locator('#verdict').waitFor({ timeout: T.server });
      assert.match(await view.locator('#verdict').innerText(), /Does not fit/);
      assert.ok((await view.locator('.bar .segment').count()) >= 3, 'a stacked bar with the memory terms');
      await view.locator('.over').waitFor(); // the hatched part past the GPU limit
    });
  });

  it('applies the preferred quick fix through the lightbulb', async () => {
    await step('03-quick-fix-menu', async () => {
      const editor = page.locator('.editor-instance .monaco-editor').first();
      // A preferred fix is there: the lightbulb at the squiggle shows the autofix icon.
      const bulb = await lightbulbAtFirstError(editor);
      await assertEventually(async () => /codicon-lightbulb-autofix/.test(await bulb.getAttribute('class')), 'the lightbulb shows the autofix icon (a preferred fix)');
      await bulb.click();
      const preferred = page.locator('.action-widget .monaco-list-row', { hasText: /fits H100/ }).filter({ hasNotText: /still over/ });
      await preferred.first().waitFor();
      // VS Code focuses the preferred action in the menu.
      assert.match(await page.locator('.action-widget .monaco-list-row.focused').innerText(), /fits H100/, 'the preferred fix is the focused entry');
      await shot('03-quick-fix-menu');
      // The menu lays a pointer block over the page (against iframes stealing the mouse) that the first mouse
      // move removes, as a real pointer would; then click the entry.
      const row = await preferred.first().boundingBox();
      await page.mouse.move(row.x + 20, row.y + row.height / 2);
      await page.mouse.move(row.x + 40, row.y + row.height / 2);
      await preferred.first().click();
    }, { screenshot: false });
  });

  it('the error goes away, the status bar turns green and the breakdown view follows', async () => {
    await step('04-fits', async () => {
      const editor = page.locator('.editor-instance .monaco-editor').first();
      await editor.locator('.view-lines', { hasText: /attention:\s(flash|sdpa)/ }).waitFor();
      await assertEventually(async () => (await editor.locator('.squiggly-error').count()) === 0, 'the out-of-memory squiggle goes away');
      const item = statusItem();
      await assertEventually(async () => !/error-kind/.test(await item.getAttribute('class')), 'the status bar item loses the error background');
      const color = await item.locator('a').first().evaluate((el) => getComputedStyle(el).color);
      const [r, g, b] = color.match(/\d+/g).map(Number);
      assert.ok(g > r && g > b, `the status bar text is green when it fits (got ${color})`);
      // The lens and the inlay hint are asked for again after the edit (VS Code debounces them).
      const lens = editor.locator('.codelens-decoration a', { hasText: /Peak .* per GPU/ }).first();
      await assertEventually(async () => !/out of memory/.test(await lens.innerText()), 'the estimate lens no longer says "out of memory"');
      // The view updated on its own, from the edit.
      await assertEventually(async () => /Fits/.test(await webview().locator('#verdict').innerText()), 'the breakdown view says "Fits" after the edit');
    });
  });

  it('the status bar opens the breakdown view', async () => {
    await step('05-breakdown-fits', async () => {
      // Close the view, then open it again from the status bar.
      await page.locator('.tab', { hasText: /^Memory:/ }).locator('.codicon-close').click({ force: true });
      await assertEventually(async () => (await page.locator('.tab', { hasText: /^Memory:/ }).count()) === 0, 'the view closed');
      await statusItem().click();
      const view = webview();
      await view.locator('#verdict').waitFor({ timeout: T.server });
      assert.match(await view.locator('#verdict').innerText(), /Fits/);
      assert.equal(await view.locator('.over').count(), 0, 'nothing past the limit');
      assert.ok((await view.locator('table.terms tbody tr').count()) >= 3, 'the terms table');
    });
  });

  it('Select GPU (command palette, the server writes it through lft.setGpu) sets hardware.gpu in the config', async () => {
    await step('06-select-gpu', async () => {
      await runCommand('LspFineTune: Select GPU');
      const input = page.locator('.quick-input-widget input');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'h100-sxm' }).first().waitFor();
      await input.fill('h200-nvl');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'h200-nvl' }).first().waitFor();
      await page.keyboard.press('Enter');
      // Step 2: GPUs per node, the current count (hardware.gpus_per_node: 1) active; Enter keeps it.
      await page.locator('.quick-input-widget .quick-input-title', { hasText: /per node/ }).waitFor();
      await page.keyboard.press('Enter');
      const editor = page.locator('.editor-instance .monaco-editor').first();
      await editor.locator('.view-line', { hasText: /^\s*gpu:\sh200-nvl$/ }).waitFor();
      // The estimate follows: more usable memory on the new GPU.
      await assertEventually(async () => /\/ 150(\.\d)? GB/.test(await statusItem().innerText()), 'the status bar shows the H200 NVL limit (150 GB)');
    });
  });

  it('Train with bundled trainer runs lft-train, which refuses a catalog model without local weights', async () => {
    await step('07-train', async () => {
      await runCommand('LspFineTune: Train with Bundled Trainer');
      // The server starts lft-train on the saved file; the catalog model has no weights on disk, so the trainer's
      // own error comes back as a notification (a CPU config with model.path trains; see the protocol tests).
      await page.locator('.notification-toast', { hasText: /lft-train stopped with exit code/ }).first().waitFor({ timeout: 120_000 });
    });
  });

  it('the code lens trains the bundled tiny model on the CPU, with progress, and shows measured memory next to the estimate', async () => {
    await step('08-train-tiny', async () => {
      const editor = await quickOpen('tiny-cpu-lora.lft.yaml', 'models/tiny');
      await editor.locator('.codelens-decoration a', { hasText: 'Train with bundled trainer' }).first().click({ timeout: T.server });
      // Client-initiated LSP progress: a cancellable notification with the step, loss and ETA.
      await page.locator('.notification-toast', { hasText: /Training tiny-cpu-lora\.lft\.yaml/ }).first().waitFor({ timeout: 120_000 });
      await page.locator('.notification-toast', { hasText: /step \d+\/60 · loss/ }).first().waitFor({ timeout: 120_000 });
      await shot('08a-training-progress');
      // The end: the measured peak memory (VmHWM) next to the estimate.
      await page.locator('.notification-toast', { hasText: /done after 60 steps/ }).first().waitFor({ timeout: 240_000 });
      const done = await page.locator('.notification-toast', { hasText: /done after 60 steps/ }).first().innerText();
      assert.match(done, /peak memory .* measured vs .* estimated/, done);
    });
  });

  it('an axolotl config with a ZeRO-2 companion JSON: hints, lenses (hardware from the modeline), squiggle, red status bar', async () => {
    await step('09-axolotl-does-not-fit', async () => {
      // A clean workbench for the screenshot in the README: save the edited examples, close everything.
      await runCommand('Notifications: Clear All Notifications');
      await runCommand('File: Save All');
      await runCommand('View: Close All Editors');
      await assertEventually(async () => (await page.locator('.tab').count()) === 0, 'all editors closed');
      const editor = await quickOpen(AXOLOTL, 'sequence_len');
      const lens = editor.locator('.codelens-decoration a', { hasText: /Peak .* per GPU/ }).first();
      await lens.waitFor({ timeout: T.server });
      assert.match(await lens.innerText(), /out of memory/, 'the estimate lens says it is out of memory');
      await editor.locator('.codelens-decoration a', { hasText: /On 8 × A100 40GB SXM4, from the modeline/ }).waitFor();
      // Inlay hints: the peak on the first line, memory terms at the keys that drive them.
      await editor.locator('.view-line span', { hasText: /peak\s[\d.]+\sGB\s\/\s42\.5\sGB/ }).first().waitFor();
      await editor.locator('.view-line span', { hasText: /weights\s[\d.]+\sGB/ }).first().waitFor();
      await editor.locator('.squiggly-error').first().waitFor();
      const item = statusItem();
      await assertEventually(async () => /error-kind/.test(await item.getAttribute('class')), 'the status bar item has the error background');
      assert.match(await item.innerText(), /GB \/ 42\.5 GB/, 'peak against the A100 40GB limit');
      // The picture for the README (docs/images/vscode-axolotl.png): the editor without the side bar, no hover.
      await runCommand('View: Close Primary Side Bar');
      await page.locator('.part.sidebar').waitFor({ state: 'hidden' });
      await page.keyboard.press('Control+Home');
      await page.mouse.move(5, 5);
    });
  });

  it('the "Switch to ZeRO-3" quick fix edits ds_zero2.json; the error goes and the status bar turns green', async () => {
    await step('10-axolotl-zero3', async () => {
      const editor = page.locator('.editor-instance .monaco-editor').first();
      const bulb = await lightbulbAtFirstError(editor);
      await bulb.click();
      const zero3 = page.locator('.action-widget .monaco-list-row', { hasText: /Switch to ZeRO-3/ }).first();
      await zero3.waitFor();
      await shot('10a-axolotl-quick-fixes');
      const row = await zero3.boundingBox();
      await page.mouse.move(row.x + 20, row.y + row.height / 2);
      await page.mouse.move(row.x + 40, row.y + row.height / 2);
      await zero3.click();

      // The edit is in the companion file; the config itself is unchanged and re-analysed with the new JSON.
      await assertEventually(async () => (await editor.locator('.squiggly-error').count()) === 0, 'the out-of-memory squiggle goes away', T.server);
      const item = statusItem();
      await assertEventually(async () => !/error-kind/.test(await item.getAttribute('class')), 'the status bar item loses the error background');
      const color = await item.locator('a').first().evaluate((el) => getComputedStyle(el).color);
      const [r, g, b] = color.match(/\d+/g).map(Number);
      assert.ok(g > r && g > b, `the status bar text is green when it fits (got ${color})`);
      const lens = editor.locator('.codelens-decoration a', { hasText: /Peak .* per GPU/ }).first();
      await assertEventually(async () => !/out of memory/.test(await lens.innerText()), 'the estimate lens no longer says "out of memory"');
      assert.ok(await editor.locator('.view-line', { hasText: /^deepspeed:\sds_zero2\.json/ }).count(), 'the config still names ds_zero2.json');

      // ds_zero2.json now says stage 3 (saved: VS Code saves files a refactoring opened in the background, or Save All does).
      await runCommand('File: Save All');
      const json = path.join(workspace, 'axolotl', 'ds_zero2.json');
      await assertEventually(async () => JSON.parse(readFileSync(json, 'utf8')).zero_optimization.stage === 3, 'ds_zero2.json on disk has "stage": 3');
      assert.equal(JSON.parse(readFileSync(path.join(root, 'examples', 'axolotl', 'ds_zero2.json'), 'utf8')).zero_optimization.stage, 2, 'the repository example is untouched');
    });
  });

  it('the hardware lens opens the GPU picker and the choice lands in the modeline', async () => {
    await step('11-axolotl-hardware-lens', async () => {
      const editor = page.locator('.editor-instance .monaco-editor').first();
      const toasts = () => page.locator('.notification-toast', { hasText: /Change it with/ }).count();
      await editor.locator('.codelens-decoration a', { hasText: /On 8 × A100 40GB SXM4, from the modeline/ }).first().click();
      await page.locator('.quick-input-widget .quick-input-title', { hasText: /Estimate on which GPU\? .*8 × A100 40GB SXM4, from the modeline/ }).waitFor({ timeout: T.server });
      assert.match(await page.locator('.quick-input-list .monaco-list-row.focused').innerText(), /a100-40gb/, 'the current GPU is the active entry');
      await shot('11a-gpu-picker');
      await page.locator('.quick-input-widget input').fill('h100-sxm');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'h100-sxm' }).first().waitFor();
      await page.keyboard.press('Enter');
      await page.locator('.quick-input-widget .quick-input-title', { hasText: /per node/ }).waitFor();
      assert.match(await page.locator('.quick-input-list .monaco-list-row.focused').innerText(), /^8/, 'the current count (8) is the active entry');
      await page.keyboard.press('Enter');
      await editor.locator('.view-line', { hasText: /^#\slft:\sgpu=h100-sxm\sgpus_per_node=8/ }).waitFor();
      await editor.locator('.codelens-decoration a', { hasText: /On 8 × H100 SXM5 80GB, from the modeline/ }).first().waitFor({ timeout: T.server });
      assert.equal(await toasts(), 0, 'the picker reads lft.hardware without the server\'s message popping up');
    });
  });

  it('a LLaMA-Factory config on its bundled ZeRO-2 preset: hint, lens, squiggle, red status bar; the hover on deepspeed: lists the other stages', async () => {
    await step('12-llamafactory-does-not-fit', async () => {
      await runCommand('Notifications: Clear All Notifications');
      await runCommand('File: Save All');
      const editor = await quickOpen(LLAMAFACTORY, 'finetuning_type');
      const lens = editor.locator('.codelens-decoration a', { hasText: /Peak .* per GPU/ }).first();
      await lens.waitFor({ timeout: T.server });
      assert.match(await lens.innerText(), /Peak 45\.3 GB of 42\.5 GB per GPU \(out of memory\)/, 'the estimate lens says it is out of memory');
      await editor.locator('.codelens-decoration a', { hasText: /On 8 × A100 40GB SXM4, from the modeline/ }).waitFor();
      // The verdict at the end of line 0; the memory terms at the keys that drive them.
      const firstLine = editor.locator('.view-line', { hasText: /^#\sFull\sfine-tuning\sof\sLlama\s3\.1\s8B/ });
      await firstLine.locator('span', { hasText: /peak\s45\.3\sGB\s\/\s42\.5\sGB\sper\sGPU,\sOUT\sOF\sMEMORY/ }).first().waitFor();
      await editor.locator('.view-line span', { hasText: /optimizer\sstates\s12\.0\sGB/ }).first().waitFor();
      await editor.locator('.view-line span', { hasText: /weights\s16\.1\sGB/ }).first().waitFor();
      // The out-of-memory error (on `bf16: true`) and the info that the preset was resolved by name (LFT0212).
      await editor.locator('.squiggly-error').first().waitFor();
      await editor.locator('.squiggly-info').first().waitFor();
      const item = statusItem();
      await assertEventually(async () => /error-kind/.test(await item.getAttribute('class')), 'the status bar item has the error background');
      assert.match(await item.innerText(), /45\.3 GB \/ 42\.5 GB/, 'peak against the A100 40GB limit');

      // Hover on the `deepspeed` key: what each other ZeRO stage (and the optimizer offload) would do.
      const key = editor.locator('.view-line', { hasText: /^deepspeed:/ }).locator('span', { hasText: /^deepspeed/ }).first();
      const box = await key.boundingBox();
      assert.ok(box, 'the deepspeed: line is on screen');
      const hover = page.locator('.monaco-hover', { hasText: 'Effect on the estimate' }).first();
      await assertEventually(async () => {
        await page.mouse.move(box.x + 10, box.y + box.height / 2);
        await page.mouse.move(box.x + 20, box.y + box.height / 2);
        await hover.waitFor({ timeout: 3000 });
        return true;
      }, 'the hover on deepspeed: shows its effect on the estimate', T.server);
      const value = await hover.innerText();
      assert.match(value, /Effect on the estimate\s*\(now 45\.3 GB per GPU\)/, value);
      for (const stage of ['ZeRO-0', 'ZeRO-1', 'ZeRO-3']) assert.ok(value.includes(stage), `${stage} in the hover:\n${value}`);
      assert.match(value, /ZeRO-3: saves [\d.]+ GB .*→ 31\.8 GB, fits/, value);
      assert.match(value, /ZeRO-1: adds [\d.]+ GB .*does not fit/, value);
      assert.match(value, /cpu: saves /, value);
      await shot('12a-llamafactory-hover');

      // The picture for the README (docs/images/vscode-llamafactory.png): no hover, the top of the file.
      await page.mouse.move(5, 5);
      await page.keyboard.press('Escape');
      await assertEventually(async () => !(await hover.isVisible()), 'the hover closed');
      await page.keyboard.press('Control+Home');
    });
  });

  it('the "Switch to ZeRO-3" quick fix rewrites the config\'s deepspeed: line to the ZeRO-3 preset; the error goes and the status bar turns green', async () => {
    await step('13-llamafactory-zero3', async () => {
      const editor = page.locator('.editor-instance .monaco-editor').first();
      // `bf16:` starts its line under a non-empty one, so VS Code puts the lightbulb in the gutter, not over the text.
      const bulb = await lightbulbAtFirstError(editor);
      await assertEventually(async () => /lightbulb-autofix|lightbulb-auto-fix/.test(await bulb.getAttribute('class')), 'the lightbulb shows the autofix icon (a preferred fix)');
      await bulb.click();
      const zero3 = page.locator('.action-widget .monaco-list-row', { hasText: /Switch to ZeRO-3: 31\.8 GB, fits A100 40GB/ }).first();
      await zero3.waitFor();
      assert.match(await page.locator('.action-widget .monaco-list-row.focused').innerText(), /Switch to ZeRO-3/, 'the preferred fix is the focused entry');
      await shot('13a-llamafactory-quick-fixes');
      const row = await zero3.boundingBox();
      await page.mouse.move(row.x + 20, row.y + row.height / 2);
      await page.mouse.move(row.x + 40, row.y + row.height / 2);
      await zero3.click();

      // The edit is on the config's own line: LLaMA-Factory's ZeRO-3 preset, again resolved by name.
      await editor.locator('.view-line', { hasText: /^deepspeed:\sexamples\/deepspeed\/ds_z3_config\.json/ }).waitFor();
      await assertEventually(async () => (await editor.locator('.squiggly-error').count()) === 0, 'the out-of-memory squiggle goes away', T.server);
      const item = statusItem();
      await assertEventually(async () => !/error-kind/.test(await item.getAttribute('class')), 'the status bar item loses the error background');
      const color = await item.locator('a').first().evaluate((el) => getComputedStyle(el).color);
      const [r, g, b] = color.match(/\d+/g).map(Number);
      assert.ok(g > r && g > b, `the status bar text is green when it fits (got ${color})`);
      const lens = editor.locator('.codelens-decoration a', { hasText: /Peak .* per GPU/ }).first();
      await assertEventually(async () => !/out of memory/.test(await lens.innerText()), 'the estimate lens no longer says "out of memory"');
      assert.equal(await editor.locator('.view-line', { hasText: /^deepspeed:.*ds_z2_config/ }).count(), 0, 'deepspeed: no longer names the ZeRO-2 preset');

      // Nothing else was written: no preset file appeared in the workspace, the repository's example is untouched.
      for (const dir of ['', 'llamafactory']) {
        assert.equal(existsSync(path.join(workspace, dir, 'examples', 'deepspeed')), false, `no examples/deepspeed/ created under the workspace${dir ? `'s ${dir}/` : ''}`);
      }
      assert.match(readFileSync(path.join(root, 'examples', 'llamafactory', LLAMAFACTORY), 'utf8'), /^deepspeed: examples\/deepspeed\/ds_z2_config\.json$/m, 'the repository example is untouched');
    });
  });

  it('a YAML file that is no training config (a GitHub workflow) gets no diagnostics, lenses or status bar item', async () => {
    await step('14-workflow-left-alone', async () => {
      const editor = await quickOpen('ci.yml', 'runs-on');
      // The server answers at once for a document no dialect claims; give it time to (wrongly) say anything.
      await new Promise((r) => setTimeout(r, 4000));
      assert.equal(await editor.locator('.squiggly-error, .squiggly-warning, .squiggly-info').count(), 0, 'no squiggles');
      assert.equal(await editor.locator('.codelens-decoration').count(), 0, 'no code lenses');
      assert.equal(await statusItem().isVisible(), false, 'no status bar item');
      // The commands that need a config are not offered (the context key lft.active is off).
      await page.keyboard.press('F1');
      await page.locator('.quick-input-widget input').fill('>LspFineTune:');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'LspFineTune: Restart Language Server' }).first().waitFor();
      assert.equal(await page.locator('.quick-input-list .monaco-list-row', { hasText: 'LspFineTune: Select GPU' }).count(), 0, 'Select GPU is not in the command palette');
      await page.keyboard.press('Escape');
      // Back on the config the item shows again (the state follows the active editor).
      await page.locator('.tab', { hasText: AXOLOTL }).click();
      await statusItem().waitFor();
      await page.locator('.tab', { hasText: 'ci.yml' }).click();
      await assertEventually(async () => !(await statusItem().isVisible()), 'the item hides again on the workflow');
    });
  });

  it('after every step, including both trainings, the program the workspace named has never run', () => {
    assert.equal(existsSync(impostorRan), false);
  });
});
