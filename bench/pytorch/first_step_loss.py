#!/usr/bin/env python3
"""Reference first-step losses for lft-train's numerics test (tests/LspFineTune.Trainer.Tests/FirstStepLossTests.cs).

lft-train writes the first micro-batch it trains on (--dump-first-batch); this feeds exactly that batch and the
model folder's weights to the PyTorch model of reference.py and records, per variant, the loss PyTorch reports
for step 1. LoRA starts with B = 0 and checkpointing changes no value, so those equal the base model's loss; MeZO's
is the mean of the losses at theta + eps z and theta - eps z, z drawn as lft-train draws it (a CPU generator seeded
seed * 1000003 + step, one randn per parameter in lft-train's parameter order).

Regenerate (needs Debian's python3-torch, and lft-train built in Release):
  dotnet build server/LspFineTune.Trainer -c Release
  /usr/bin/python3 bench/pytorch/first_step_loss.py \
      --trainer server/LspFineTune.Trainer/bin/Release/net10.0/linux-x64/lft-train.dll \
      --out tests/LspFineTune.Trainer.Tests/Data/first-step-loss-reference.json
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
LORA = "type: lora\n  lora: { rank: 8, alpha: 16, dropout: 0.0, target_modules: [q_proj, v_proj] }"
ADAMW = "type: adamw\n  learning_rate: 1.0e-3\n  lr_scheduler: constant"
MEZO = "type: zeroth_order\n  zeroth_order: { epsilon: 1.0e-3, trainable_fraction: 1.0 }"
ZO_SGD = "type: zo_sgd\n  learning_rate: 1.0e-4\n  lr_scheduler: constant"
SEED = 1
EPSILON = 1e-3
# name, method section, optimizer section, attention, gradient checkpointing
VARIANTS = [
    ("lora eager", LORA, ADAMW, "eager", False),
    ("lora sdpa", LORA, ADAMW, "sdpa", False),
    ("lora sdpa ckpt", LORA, ADAMW, "sdpa", True),
    ("full eager", "type: full", ADAMW, "eager", False),
    ("full sdpa", "type: full", ADAMW, "sdpa", False),
    ("full eager ckpt", "type: full", ADAMW, "eager", True),
    ("mezo sdpa", MEZO, ZO_SGD, "sdpa", False),
]


def config_text(method, optimizer, attention, checkpointing, model, train):
    return f"""# lft: config
model:
  path: {model}
  dtype: fp32
hardware:
  gpu: cpu
method:
  {method}
optimizer:
  {optimizer}
training:
  micro_batch_size: 8
  sequence_length: 128
  max_steps: 1
  attention: {attention}
  gradient_checkpointing: {"true" if checkpointing else "false"}
  packing: true
  seed: {SEED}
data:
  train: {train}
output:
  dir: ./runs/first-step
"""


def loss_of(model, inputs, labels):
    logits = model(inputs)
    return F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), labels.reshape(-1), ignore_index=-100)


def parameters_by_hf_name(model):
    named = {"model.embed_tokens.weight": model.embed_tokens.weight, "model.norm.weight": model.norm_weight}
    for i, layer in enumerate(model.layers):
        p = f"model.layers.{i}."
        named[p + "input_layernorm.weight"] = layer.input_layernorm
        named[p + "post_attention_layernorm.weight"] = layer.post_attention_layernorm
        for name in ["q_proj", "k_proj", "v_proj", "o_proj"]:
            named[p + f"self_attn.{name}.weight"] = getattr(layer, name).weight
        for name in ["gate_proj", "up_proj", "down_proj"]:
            named[p + f"mlp.{name}.weight"] = getattr(layer, name).weight
    return named


def mezo_first_loss(model, order, inputs, labels):
    named = parameters_by_hf_name(model)
    missing = [n for n in order if n not in named]
    if missing:
        raise SystemExit(f"lft-train's parameters {missing} have no counterpart in reference.py")
    step_seed = SEED * 1000003 + 0

    def perturb(scale):
        generator = torch.Generator().manual_seed(step_seed)
        for name in order:
            named[name].data.add_(torch.randn(named[name].shape, generator=generator, dtype=torch.float32), alpha=scale)

    model.eval()
    with torch.no_grad():
        perturb(EPSILON)
        plus = loss_of(model, inputs, labels).item()
        perturb(-2 * EPSILON)
        minus = loss_of(model, inputs, labels).item()
    return (plus + minus) / 2


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--trainer", required=True, help="lft-train.dll (Release build)")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    torch.set_num_threads(1)
    model_dir = os.path.join(ROOT, "examples", "models", "tiny")
    train = os.path.join(ROOT, "examples", "data", "tiny-train.jsonl")
    results = []
    with tempfile.TemporaryDirectory() as work:
        for name, method, optimizer, attention, checkpointing in VARIANTS:
            config = os.path.join(work, "first.lft.yaml")
            with open(config, "w") as f:
                f.write(config_text(method, optimizer, attention, checkpointing, model_dir, train))
            dump = os.path.join(work, "batch.json")
            subprocess.run(["dotnet", args.trainer, "train", config, "--output", os.path.join(work, "run"), "--dump-first-batch", dump],
                           check=True, stdout=subprocess.DEVNULL)
            with open(dump) as f:
                batch = json.load(f)
            inputs, labels = torch.tensor(batch["inputs"]), torch.tensor(batch["labels"])
            model, _ = reference.load(model_dir, attention, checkpointing)
            model.train()
            if method == MEZO:
                loss = mezo_first_loss(model, batch["parameters"], inputs, labels)
            else:
                loss = loss_of(model, inputs, labels).item()
            # The config as the test writes it next to the data file (paths relative to tests/.../Data).
            results.append({"variant": name, "config": config_text(method, optimizer, attention, checkpointing,
                                                                   "../../../examples/models/tiny", "../../../examples/data/tiny-train.jsonl"),
                            "pytorch_first_step_loss": loss})
            print(f"{name}: {loss:.7f}")
    with open(args.out, "w") as f:
        json.dump({"description": "First-step loss of the PyTorch reference (bench/pytorch/reference.py) fed lft-train's first batch and the same weights; regenerate with bench/pytorch/first_step_loss.py.",
                   "torch": torch.__version__, "results": results}, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
