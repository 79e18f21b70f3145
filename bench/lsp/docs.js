'use strict';
// The benchmark documents, deterministic (no randomness, no clock), so every run and both servers see byte-identical
// text. Two native configs, generated here:
//   small: a realistic, commented 100-line config (the llama2-7b-lora example with the comments a user would write);
//   big:   a valid 10,000-line config whose bulk is model.architecture (which accepts any config.json key): the keys
//          that decide the estimate plus thousands of extra config.json-style entries (scalars, lists, nested maps).
// Both end in the same sections, so the edit (a typo toggled in `optimizer.weight_decay`), the hover (on
// `learning_rate`) and the code action (at the typo's diagnostic) are at the same place relative to the tail.
// Two axolotl configs, read from data/ as they are (see data/README.md): lora-1b.yml (30 lines) and a real 329-line
// config from axolotl's examples; the typo is toggled in a top-level key (`lora_dropout`, `weight_decay`), which
// both servers report as unknown (the axolotl schema's top level has additionalProperties: false).
//
// Usage: node docs.js OUTDIR   writes every document into OUTDIR under its benchmark file name (for `lft check`).

const fs = require('fs');
const path = require('path');

const SMALL_LINES = 100;
const BIG_LINES = 10000;

function header(title) {
  return [
    '# lft: config',
    `# ${title}`,
    '# Llama-2-7B LoRA fine-tune on one A100-80GB: frozen bf16 weights (~12.6 GiB), LoRA r16 on the attention',
    '# projections, gradient checkpointing so activations for 4 x 2048 tokens stay small.',
    '# Try: lft estimate <this file>   then   lft plan <this file>',
    '',
  ];
}

function tail() {
  return [
    '',
    '# ---------------------------------------------------------------------------',
    '# Hardware: one node with a single A100-80GB (the team\'s shared box).',
    '# ---------------------------------------------------------------------------',
    'hardware:',
    '  gpu: a100-80gb        # see `lft gpus` for the ids',
    '  gpus_per_node: 1',
    '  nodes: 1',
    '',
    '# ---------------------------------------------------------------------------',
    '# Method: LoRA adapters on the attention projections only.',
    '# rank 16 / alpha 32 is the usual starting point; raise the rank for harder tasks.',
    '# ---------------------------------------------------------------------------',
    'method:',
    '  type: lora',
    '  lora:',
    '    rank: 16',
    '    alpha: 32',
    '    dropout: 0.05',
    '    target_modules: [q_proj, v_proj]   # add k_proj, o_proj for more capacity',
    '',
    '# ---------------------------------------------------------------------------',
    '# Optimizer: AdamW with a cosine schedule and a short warm-up.',
    '# LoRA tolerates much higher learning rates than full fine-tuning (2e-4 vs 2e-5).',
    '# ---------------------------------------------------------------------------',
    'optimizer:',
    '  type: adamw',
    '  learning_rate: 2.0e-4',
    '  weight_decay: 0.0',
    '  lr_scheduler: cosine',
    '  warmup_steps: 30     # about 3% of the steps',
    '',
    '# ---------------------------------------------------------------------------',
    '# Training: 4 x 8 = 32 sequences of 2048 tokens per optimizer step.',
    '# Gradient checkpointing trades ~30% more compute for much smaller activations.',
    '# ---------------------------------------------------------------------------',
    'training:',
    '  micro_batch_size: 4',
    '  gradient_accumulation_steps: 8',
    '  sequence_length: 2048',
    '  epochs: 3',
    '  gradient_checkpointing: true',
    '  attention: sdpa       # flash needs flash-attn installed',
    '  packing: false',
    '  seed: 42',
    '',
    '# ---------------------------------------------------------------------------',
    '# DeepSpeed: not needed on one GPU; ZeRO-2/3 only help when sharding across GPUs.',
    '# ---------------------------------------------------------------------------',
    'deepspeed:',
    '  zero_stage: 0',
    '  offload_optimizer: none',
    '  offload_params: none',
    '',
    '# ---------------------------------------------------------------------------',
    '# Data: no file at hand yet, so the size is given for the runtime estimate.',
    '# ---------------------------------------------------------------------------',
    'data:',
    '  num_examples: 10000',
    '  mean_tokens_per_example: 512',
    '',
    '# ---------------------------------------------------------------------------',
    '# Output: checkpoints every 200 steps, evaluation every 100.',
    '# ---------------------------------------------------------------------------',
    'output:',
    '  dir: ./runs/llama2-7b-lora',
    '  save_every_steps: 200',
    '  eval_every_steps: 100',
  ];
}

function small() {
  const lines = [
    ...header('Benchmark document: a realistic commented 100-line config.'),
    '# ---------------------------------------------------------------------------',
    '# Model: a catalog id (Hugging Face repository ids of catalog models are aliases).',
    '# bf16 weights, no quantization (switch to nf4 for QLoRA on a smaller GPU).',
    '# ---------------------------------------------------------------------------',
    'model:',
    '  name: meta-llama/Llama-2-7b-hf',
    '  dtype: bf16',
    '  quantization: none',
    ...tail(),
  ];
  return pad(lines, SMALL_LINES, lines.indexOf('model:'));
}

function big() {
  const head = [
    ...header('Benchmark document: 10,000 lines, most of them inline config.json keys under model.architecture.'),
    'model:',
    '  dtype: bf16',
    '  quantization: none',
    '  architecture:',
    '    # The keys that decide parameter count, memory and FLOPs (Llama-2-7B):',
    '    model_type: llama',
    '    num_hidden_layers: 32',
    '    hidden_size: 4096',
    '    intermediate_size: 11008',
    '    num_attention_heads: 32',
    '    num_key_value_heads: 32',
    '    vocab_size: 32000',
    '    tie_word_embeddings: false',
    '    max_position_embeddings: 4096',
    '    # Everything below is accepted and ignored by the estimate (any config.json key is allowed):',
  ];
  const rest = tail();
  const bulk = [];
  const target = BIG_LINES - head.length - rest.length;
  // Blocks of 10 lines: scalars of each YAML type, a flow list, and a nested map, like a real config.json.
  for (let i = 0; bulk.length + 10 <= target; i++) {
    const n = String(i).padStart(4, '0');
    bulk.push(
      `    extra_layer_${n}_dropout: 0.${(i * 7) % 10}`,
      `    extra_layer_${n}_hidden_act: silu`,
      `    extra_layer_${n}_use_cache: ${i % 2 === 0 ? 'true' : 'false'}`,
      `    extra_layer_${n}_rope_theta: ${10000 + i}`,
      `    extra_layer_${n}_label: "block ${n} of the inline architecture"`,
      `    extra_layer_${n}_sizes: [${i % 64}, ${(i * 3) % 128}, ${(i * 5) % 256}]`,
      `    extra_layer_${n}_rope_scaling:`,
      `      type: linear`,
      `      factor: ${1 + (i % 4)}.0`,
      `    extra_layer_${n}_initializer_range: 0.02`,
    );
  }
  while (bulk.length < target) bulk.push(`    extra_padding_${bulk.length}: ${bulk.length}`);
  return [...head, ...bulk, ...rest].join('\n') + '\n';
}

// Pads to exactly `count` lines with comment lines a user might keep above the model section.
function pad(lines, count, at) {
  const notes = [
    '# Notes from the last run:',
    '#  - loss plateaued after ~1.5 epochs; try 2 epochs next time',
    '#  - eval perplexity 5.91 at step 600',
    '#  - the adapter is ~32 MB on disk',
    '#  - keep the seed fixed so runs are comparable',
    '#  - TODO: try rank 32 on all projections with nf4 on an L4',
    '#  - data: 10k instruction pairs, deduplicated, mean 512 tokens',
    '#  - sequence_length 2048 covers 99.5% of the examples unpacked',
    '#  - packing would cut the steps by ~3x but mixes examples in one sequence',
    '#  - warm-up of 30 steps was enough; 100 made no difference',
    '#  - cosine to zero; a floor of 10% did not help',
    '#  - weight decay 0.0: LoRA adapters barely overfit at this size',
    '#  - the A100 runs at ~55% MFU with sdpa, ~62% with flash',
    '#  - checkpoint every 200 steps keeps ~6 checkpoints per run',
    '#  - evaluation on 500 held-out pairs every 100 steps',
    '#  - compare against the rank-8 baseline in runs/llama2-7b-lora-r8',
    '#  - throughput ~2.9k tokens/s per GPU',
    '#  - total ~4.5 GPU-hours for 3 epochs',
  ];
  const extra = [];
  for (let i = 0; lines.length + extra.length < count; i++) extra.push(notes[i % notes.length]);
  if (lines.length + extra.length > count) throw new Error(`template has ${lines.length} lines, more than ${count}`);
  lines.splice(at, 0, ...extra, '');
  while (lines.length > count) lines.splice(at + extra.length, 1); // drop the blank separator if over
  return lines.join('\n') + '\n';
}

// Where the benchmark edits, hovers and asks for code actions, found in the text itself: `typoKey` and `hoverKey`
// are line prefixes (indentation included) of the keys.
function sites(text, typoKey = '  weight_decay', hoverKey = '  learning_rate') {
  const lines = text.split('\n');
  const find = (prefix) => {
    const line = lines.findIndex((l) => l.startsWith(prefix));
    if (line < 0) throw new Error(`no line starting with ${JSON.stringify(prefix)}`);
    return line;
  };
  const typoLine = find(`${typoKey}:`);
  const hoverLine = find(`${hoverKey}:`);
  return {
    lineCount: lines.length - (text.endsWith('\n') ? 1 : 0),
    // The typo: an extra letter at the end of the key ("weight_decayy"), an unknown key for both servers.
    typo: { line: typoLine, character: typoKey.length },
    typoLetter: typoKey.at(-1),
    typoKey: typoKey.trim(),
    hover: { line: hoverLine, character: hoverKey.search(/\S/) + 4 },
  };
}

const data = (file) => fs.readFileSync(path.join(__dirname, 'data', file), 'utf8');

// name: the id (--docs); file: the benchmark's file name (its extension picks yaml-language-server's schema);
// dialect: ours; schema: what yaml-language-server gets.
function documents() {
  return [
    { name: 'small', file: 'small.lft.yaml', label: '100-line config', dialect: 'native', schema: 'lft', text: small(), site: ['  weight_decay', '  learning_rate'] },
    { name: 'big', file: 'big.lft.yaml', label: '10,000-line YAML', dialect: 'native', schema: 'lft', text: big(), site: ['  weight_decay', '  learning_rate'] },
    { name: 'lora', file: 'lora-1b.yml', label: 'axolotl lora-1b.yml', dialect: 'axolotl', schema: 'axolotl', text: data('lora-1b.yml'), site: ['lora_dropout', 'learning_rate'] },
    { name: 'dpo', file: 'dpo-swanlab-full-featured.yml', label: 'axolotl dpo-swanlab-full-featured.yml', dialect: 'axolotl', schema: 'axolotl', text: data('dpo-swanlab-full-featured.yml'), site: ['weight_decay', 'learning_rate'] },
    { name: 'llamafactory', file: 'llamafactory-llama3-lora-sft.yaml', label: 'LLaMA-Factory llama3_lora_sft (loraplus)', dialect: 'llamafactory', schema: 'llamafactory', text: data('llamafactory-llama3-lora-sft.yaml'), site: ['learning_rate', 'lora_rank'] },
    { name: 'trl', file: 'trl-zephyr-7b-sft-qlora.yaml', label: 'TRL zephyr-7b-beta sft config_qlora', dialect: 'trl', schema: 'trl', text: data('trl-zephyr-7b-sft-qlora.yaml'), site: ['learning_rate', 'per_device_train_batch_size'] },
    { name: 'torchtune', file: 'torchtune-llama3_1-8B-qlora.yaml', label: 'torchtune llama3_1 8B_qlora_single_device', dialect: 'torchtune', schema: null, text: data('torchtune-llama3_1-8B-qlora.yaml'), site: ['  lora_dropout', 'batch_size'] },
    { name: 'accelerate', file: 'accelerate-fsdp2.yaml', label: 'accelerate fsdp2 (TRL)', dialect: 'accelerate', schema: 'accelerate', text: data('accelerate-fsdp2.yaml'), site: ['num_machines', 'num_processes'] },
  ];
}

module.exports = { documents, sites };

if (require.main === module) {
  const out = process.argv[2] || path.join(__dirname, 'out');
  fs.mkdirSync(out, { recursive: true });
  for (const d of documents()) {
    const file = path.join(out, d.file);
    fs.writeFileSync(file, d.text);
    console.log(`${file}: ${sites(d.text, ...d.site).lineCount} lines`);
  }
}
