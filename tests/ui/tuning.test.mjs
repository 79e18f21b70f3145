// "Tune hyperparameters" in the real workbench (code-server + Chromium, like workbench.test.mjs): a 4-trial search of
// the tiny CPU example from its code lens, the progress with the trials so far, the results view (table and plot),
// "Apply the best" as an edit of the document, and a second search cancelled from its notification, which stops the
// trials' trainer processes. The steps run in order; screenshots in tests/ui/artifacts/tuning-*.png.
// Input: LFT_UI_VSIX (tests/ui/run packages it). Nothing here reaches the network.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { T, assertEventually, page, quickOpen, root, runCommand, shot, startWorkbench, step } from './workbench.mjs';

const CONFIG = 'tiny-cpu-lora.lft.yaml';
const RESULTS = 'tiny-cpu-lora.lft.sweep.jsonl';
/** What a search of four trials, each of the tiny model's 60 steps, may take here (two shared cores): generous. */
const SEARCH_MS = 8 * 60_000;
let workspace;

/** The results view's page: two iframes deep in the workbench. */
const webview = () => page.frameLocator('iframe.webview.ready').last().frameLocator('#active-frame');

/** The processes whose command line names the search's trial folders (their lft-train). */
function trialProcesses() {
  const folder = path.join(workspace, 'runs', 'tiny-cpu-lora-sweep');
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(folder);
    } catch {
      return false; // ended meanwhile
    }
  });
}

/** The best trial of the results file, as the search chooses it: the lowest final eval loss, the lower number on a tie. */
function bestOfResultsFile() {
  const trials = readFileSync(path.join(workspace, RESULTS), 'utf8').trim().split('\n').map((line) => JSON.parse(line));
  const finished = trials.filter((t) => t.final_eval_loss != null).sort((a, b) => a.final_eval_loss - b.final_eval_loss || a.trial - b.trial);
  return { trials, best: finished[0] };
}

before(async () => {
  ({ workspace } = await startWorkbench({
    prefix: 'lft-ui-tuning-',
    fillWorkspace(folder) {
      cpSync(path.join(root, 'examples'), folder, { recursive: true });
      // A config that learns slowly, as a user may bring one: a tenth of the example's learning rate, so a search
      // around it has something to find (the example's own rate is already the result of one).
      const config = path.join(folder, CONFIG);
      const text = readFileSync(config, 'utf8');
      assert.match(text, /^ {2}learning_rate: 2\.0e-3$/m, 'the example sets learning_rate: 2.0e-3');
      writeFileSync(config, text.replace(/^ {2}learning_rate: 2\.0e-3$/m, '  learning_rate: 2.0e-4'));
    },
    settings: {
      'lft.trainerPath': path.join(root, 'server', 'LspFineTune.Trainer', 'bin', 'Release', 'net10.0', 'linux-x64', 'lft-train.dll'),
      'lft.tuning.trials': 4,
    },
  }));
});

describe('Tune hyperparameters in the VS Code workbench (code-server)', () => {
  it('the code lens runs a 4-trial search with a cancellable progress that shows each trial and the best so far', async () => {
    await step('tuning-01-search', async () => {
      const editor = await quickOpen(CONFIG, 'models/tiny');
      await editor.locator('.codelens-decoration a', { hasText: 'Train with bundled trainer' }).first().waitFor({ timeout: T.server });
      await editor.locator('.codelens-decoration a', { hasText: 'Tune hyperparameters' }).first().click();
      const progress = page.locator('.notification-toast', { hasText: /Tuning tiny-cpu-lora\.lft\.yaml/ }).first();
      await progress.waitFor({ timeout: T.server });
      assert.ok(await progress.locator('.monaco-button', { hasText: 'Cancel' }).count(), 'the progress has a Cancel button');
      await page.locator('.notification-toast', { hasText: /trial [1-4]\/4 early eval loss [\d.]+ · best so far/ }).first().waitFor({ timeout: SEARCH_MS });
      await shot('tuning-01a-progress');
      await page.locator('.notification-toast', { hasText: /4 trials in \d+ s, 3 run to the end; best: trial \d/ }).first().waitFor({ timeout: SEARCH_MS });
    });
  });

  it('the results view shows every trial in a table and the finished ones in a plot of early against final eval loss', async () => {
    await step('tuning-02-results', async () => {
      const view = webview();
      await view.locator('h1', { hasText: 'Hyperparameter search' }).waitFor({ timeout: T.server });
      const { trials, best } = bestOfResultsFile();
      assert.equal(trials.length, 5, 'the results file holds the config as written and 4 trials');
      // One row per trial and one for the config as written; the best is marked.
      await assertEventually(async () => (await view.locator('table.trials tbody tr').count()) === 5, 'five rows in the table');
      const bestRow = view.locator(`table.trials tbody tr[data-trial="${best.trial}"]`);
      assert.match(await bestRow.getAttribute('class'), /best/, 'the best trial\'s row is marked');
      assert.match(await bestRow.innerText(), new RegExp(best.final_eval_loss.toFixed(3)), 'the best row shows its final eval loss');
      // The plot: one point per run to the end (the config as written as a square), the stopped ones along the bottom.
      assert.equal(await view.locator('svg.plot .point-group').count(), trials.filter((t) => t.final_eval_loss != null).length, 'a point per finished run');
      assert.equal(await view.locator('svg.plot .point.early-only').count(), trials.filter((t) => t.final_eval_loss == null).length, 'a mark per trial stopped early');
      // Themed: the page takes its colours from the workbench's (dark) theme.
      const background = await view.locator('body').evaluate((el) => getComputedStyle(el).backgroundColor);
      const [r, g, b] = background.match(/\d+/g).map(Number);
      assert.ok(r + g + b < 200, `the page follows the dark theme (background ${background})`);
      await view.locator('#apply-best', { hasText: `Apply the best (trial ${best.trial})` }).waitFor();
    });
  });

  it('"Apply the best" edits the document to the best trial\'s values, keeps its comments, and it has no errors', async () => {
    await step('tuning-03-apply', async () => {
      const { best } = bestOfResultsFile();
      await webview().locator('#apply-best').click();
      await page.locator('.notification-toast', { hasText: `Applied trial ${best.trial} of the search` }).first().waitFor({ timeout: T.server });
      await webview().locator('#applied', { hasText: `The config has trial ${best.trial}'s values` }).waitFor({ timeout: T.server });

      await page.locator(`.tab[data-resource-name="${CONFIG}"]`).click();
      await runCommand('File: Save All');
      await assertEventually(async () => !/dirty/.test(await page.locator(`.tab[data-resource-name="${CONFIG}"]`).getAttribute('class')), 'the document is saved');
      const text = readFileSync(path.join(workspace, CONFIG), 'utf8');
      for (const [key, value] of Object.entries(best.params)) {
        // The value under the key's last segment (each is unique in this file), as a number: `0` and `0.0` are one.
        const written = text.match(new RegExp(`^\\s*${key.split('.').pop()}: (\\S+)`, 'm'))?.[1];
        assert.equal(Number(written), Number(value), `${key} is ${value} in the saved document:\n${text}`);
      }
      assert.match(text, /^# The bundled trainer on this machine's CPU/m, 'the header comment is kept');
      assert.match(text, /# Every linear layer, not only q_proj\/v_proj/, 'the comments between keys are kept');
      const editor = page.locator('.editor-instance .monaco-editor').first();
      await editor.locator('.codelens-decoration a', { hasText: /Peak .* on the CPU/ }).first().waitFor({ timeout: T.server });
      await new Promise((r) => setTimeout(r, 2000)); // the new version's diagnostics
      assert.equal(await editor.locator('.squiggly-error').count(), 0, 'no error squiggles after the edit');
    });
  });

  it('Cancel on a second search stops its trials\' trainer processes and starts no more', async () => {
    await step('tuning-04-cancel', async () => {
      await runCommand('Notifications: Clear All Notifications');
      const editor = page.locator('.editor-instance .monaco-editor').first();
      await editor.locator('.codelens-decoration a', { hasText: 'Tune hyperparameters' }).first().click({ timeout: T.server });
      const progress = page.locator('.notification-toast', { hasText: /Tuning tiny-cpu-lora\.lft\.yaml/ }).first();
      await progress.waitFor({ timeout: T.server });
      await assertEventually(() => trialProcesses().length > 0, 'the first trials are running', T.server);
      await progress.hover();
      await progress.locator('.monaco-button', { hasText: 'Cancel' }).click();
      await page.locator('.notification-toast', { hasText: /Tuning tiny-cpu-lora\.lft\.yaml: cancelled after \d+ of \d+ runs/ }).first().waitFor({ timeout: 120_000 });
      assert.deepEqual(trialProcesses(), [], 'no trial\'s lft-train is left running');
    });
  });
});
