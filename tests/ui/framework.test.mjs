// "Train with axolotl" in the real workbench (code-server + Chromium, like workbench.test.mjs): a GPU config in axolotl's
// format runs on its own framework as a VS Code task, with its output in the terminal and its progress (step, loss,
// speed, memory, read by lft from the framework's own log lines) in a cancellable notification; Cancel stops the whole
// process group. The framework is a stand-in on PATH that prints axolotl's real log lines (the formats of
// tests/LspFineTune.Server.Tests/Training/FakeFramework.cs, each checked against its source in the Core tests) and
// starts a worker process, as a launcher would. Screenshots in tests/ui/artifacts/framework-*.png.
// Input: LFT_UI_VSIX (tests/ui/run packages it). Nothing here reaches the network; no GPU is needed.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { T, assertEventually, page, quickOpen, shot, startWorkbench, step } from './workbench.mjs';

/** A LoRA run of a 1B model on one H100, as an axolotl user writes it; `max_steps` is how long the stand-in runs. */
const config = (steps) => `# lft: gpu=h100-sxm gpus_per_node=1
base_model: meta-llama/Llama-3.2-1B
sequence_len: 1024
micro_batch_size: 1
gradient_accumulation_steps: 1
adapter: lora
lora_r: 8
learning_rate: 0.0002
bf16: true
max_steps: ${steps}
output_dir: ./out
`;

/**
 * axolotl as it prints a run (transformers' tqdm bar on stderr, with carriage returns; the Trainer's dict lines with
 * axolotl's memory and throughput keys on stdout), one step every half second, for the config's max_steps. It starts a
 * worker, as accelerate starts its processes; on SIGINT (what lft sends its process group first) it stops the worker
 * and exits 130, as torchrun does.
 */
const FAKE_AXOLOTL = String.raw`#!/bin/sh
echo "[axolotl] args: $*" >&2
steps=$(sed -n 's/^max_steps: *//p' "$2")
sh -c 'while :; do sleep 1; done' lft-fake-worker &
worker=$!
trap 'echo "KeyboardInterrupt: stopping the workers" >&2; kill $worker; exit 130' INT
printf 'Loading checkpoint shards: 100%%|##########| 2/2 [00:01<00:00,  1.50it/s]\n' >&2
printf '  0%%|          | 0/%d [00:00<?, ?it/s]' "$steps" >&2
i=1
while [ "$i" -le "$steps" ]; do
  sleep 0.5
  printf '\r%3d%%|#####     | %d/%d [00:0%d<00:01,  2.00it/s]' $((i * 100 / steps)) "$i" "$steps" $((i / 2)) >&2
  printf "{'loss': '%s', 'grad_norm': '1.1', 'learning_rate': '1e-05', 'memory/max_active (GiB)': '15.5', 'memory/max_allocated (GiB)': '15.5', 'memory/device_reserved (GiB)': '17', 'tokens/train_per_sec_per_gpu': '2100', 'epoch': '0.5'}\n" "$(awk "BEGIN { printf \"%.3f\", 2.5 - $i * 0.01 }")"
  i=$((i + 1))
done
printf "{'train_runtime': '3.1', 'train_samples_per_second': '7.7', 'train_steps_per_second': '2.0', 'train_loss': '2.3', 'epoch': '1'}\n"
printf '\n' >&2
kill $worker
`;

let workspace, bin;

/** Processes of the stand-in run: the fake axolotl (its script's path) and its worker (by its name). */
function runProcesses() {
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((pid) => {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      return cmdline.includes(path.join(bin, 'axolotl')) || cmdline.includes('lft-fake-worker');
    } catch {
      return false; // ended meanwhile
    }
  });
}

/** The text of the terminal panel (the DOM renderer: terminal.integrated.gpuAcceleration is off). */
const terminalText = () => page.locator('.terminal-wrapper.active .xterm-rows').innerText();

before(async () => {
  ({ workspace } = await startWorkbench({
    prefix: 'lft-ui-framework-',
    fillWorkspace(folder, tmp) {
      mkdirSync(path.join(folder, 'axolotl'), { recursive: true });
      writeFileSync(path.join(folder, 'axolotl', 'lora.yml'), config(6));
      writeFileSync(path.join(folder, 'axolotl', 'long.yml'), config(400));
      bin = path.join(tmp, 'bin');
      mkdirSync(bin, { recursive: true });
      writeFileSync(path.join(bin, 'axolotl'), FAKE_AXOLOTL, { mode: 0o755 });
    },
    settings: { 'terminal.integrated.gpuAcceleration': 'off' },
    // The stand-in first on the PATH the editor, and so the server and the task, start with. VS Code takes its
    // extension host's environment from a login shell (resolveShellEnv) unless it was started from one, which
    // VSCODE_CLI=1 says (the `code` command sets it): then this PATH holds, as a user's activated environment does.
    env: (tmp) => ({ PATH: `${path.join(tmp, 'bin')}:${process.env.PATH}`, VSCODE_CLI: '1' }),
  }));
});

describe('Train with the config\'s own framework, as a task in the terminal (code-server)', () => {
  it('the lens starts axolotl as a task: its output in the terminal, its steps in a cancellable progress, the measured peak at the end', async () => {
    await step('framework-01-run', async () => {
      const editor = await quickOpen('lora.yml', 'base_model');
      await editor.locator('.codelens-decoration a', { hasText: 'Train with axolotl' }).first().click({ timeout: T.server });
      // The terminal shows lft's command and the framework's own output.
      await assertEventually(async () => /\[axolotl\] args: train axolotl\/lora\.yml --launcher accelerate -- --num_processes 1/.test(await terminalText()), 'the terminal shows axolotl\'s output', T.server);
      await page.locator('.notification-toast', { hasText: /Training lora\.yml with axolotl/ }).first().waitFor();
      await page.locator('.notification-toast', { hasText: /step \d\/6 · loss 2\.\d{3}/ }).first().waitFor({ timeout: T.server });
      await shot('framework-01a-progress');
      const done = page.locator('.notification-toast', { hasText: /Training lora\.yml with axolotl: done after 6 steps, final loss 2\.440; peak 18\.3 GB reserved measured vs [\d.]+ GB estimated/ }).first();
      await done.waitFor({ timeout: T.server });
      assert.ok(existsSync(path.join(workspace, 'axolotl', '.lft', 'runs.jsonl')), 'the run is in the run history next to the config');
      assert.match(await terminalText(), /lft train: done after 6 steps/, 'lft\'s summary in the terminal too');
      assert.deepEqual(runProcesses(), [], 'nothing of the run is left');
    });
  });

  it('Cancel stops the framework\'s whole process group (its worker too) and the run ends as stopped', async () => {
    await step('framework-02-cancel', async () => {
      const editor = await quickOpen('long.yml', 'base_model');
      await editor.locator('.codelens-decoration a', { hasText: 'Train with axolotl' }).first().click({ timeout: T.server });
      const progress = page.locator('.notification-toast', { hasText: /Training long\.yml with axolotl/ }).first();
      // Step, loss, speed and memory, as axolotl printed them (its dict lines and tqdm bar, read by lft's parsers).
      await page.locator('.notification-toast', { hasText: /step \d+\/400 · loss 2\.\d{3} · 2,100 tokens\/s per GPU · peak 18\.3 GB/ }).first().waitFor({ timeout: T.server });
      await shot('framework-02a-progress');
      assert.ok(runProcesses().length >= 2, 'the framework and its worker run');
      await progress.hover();
      await progress.locator('.monaco-button', { hasText: 'Cancel' }).click();
      await page.locator('.notification-toast', { hasText: /Training long\.yml with axolotl: stopped after \d+ steps?/ }).first().waitFor({ timeout: T.server });
      const text = await terminalText();
      assert.match(text, /lft train: stopping axolotl \(SIGINT to its process group/, text);
      assert.match(text, /KeyboardInterrupt: stopping the workers/, text);
      assert.deepEqual(runProcesses(), [], 'no process of the run is left');
    });
  });
});
