#!/usr/bin/env python3
"""Length quantiles of the demo datasets LLaMA-Factory ships (data/*.json), for the estimate's padding model when a
config names one of them and the file is not at hand. Tokens are estimated as the estimator estimates a local data file
(DataFileStatistics: 4 characters per token) over the text a sample feeds the model, plus a template allowance.

Usage: scripts/datasets/extract-dataset-lengths.py /work/.mirror/hiyouga+LLaMA-Factory/repo > server/LspFineTune.Core/Catalogs/Data/datasets.json
"""
import json
import subprocess
import sys

CHARACTERS_PER_TOKEN = 4.0
# The headers a chat or Alpaca template wraps a sample in: the Alpaca prompt ("Below is an instruction ... ### Response:")
# is about 160 characters, Llama-3's chat headers about 20 tokens; 32 tokens is between them.
TEMPLATE_TOKENS = 32
QUANTILES = 64

# Dataset file -> the names configs use for it (LLaMA-Factory's dataset_info.json key, and for the Alpaca sample the
# names of the full Alpaca data it samples: tatsu-lab/alpaca and its cleaned version, as axolotl, TRL and torchtune name them).
DATASETS = {
    "alpaca_en_demo.json": ["alpaca_en_demo", "mhenrichsen/alpaca_2k_test"],
    "identity.json": ["identity"],
    "glaive_toolcall_en_demo.json": ["glaive_toolcall_en_demo"],
    "dpo_en_demo.json": ["dpo_en_demo"],
    "kto_en_demo.json": ["kto_en_demo"],
    "c4_demo.jsonl": ["c4_demo"],
}


# The full Alpaca data (52k examples; cleaned 51.8k): its body is the demo sample's, its longest example is longer than a
# 1,000-example sample shows. LitGPT's resource tables (Lightning-AI/litgpt@2685705 tutorials/resource-tables.md) give
# the longest Alpaca sample with Llama 2's tokenizer and the Alpaca prompt: 1,304 tokens.
FULL_ALPACA = {
    "sample": "alpaca_en_demo.json",
    "names": ["alpaca_en", "alpaca", "tatsu-lab/alpaca", "yahma/alpaca-cleaned", "alpaca_cleaned_dataset", "alpaca_dataset"],
    "examples": 52002,
    "longest": 1304.0,
    "longest_source": "Lightning-AI/litgpt@2685705 tutorials/resource-tables.md: the longest Alpaca sample, 1,304 tokens (Llama 2 tokenizer)",
}


def text_length(sample):
    length = 0
    for key in ("instruction", "input", "output", "text", "tools"):
        if isinstance(sample.get(key), str):
            length += len(sample[key])
    for key in ("conversations", "messages"):
        for turn in sample.get(key) or []:
            if isinstance(turn, dict):
                length += len(turn.get("value") or turn.get("content") or "")
    # A preference pair: the longer completion is the longer of the two sequences the trainer forwards.
    completions = [sample.get(k) for k in ("chosen", "rejected") if isinstance(sample.get(k), dict)]
    if completions:
        length += max(len(c.get("value") or c.get("content") or "") for c in completions)
    return length


def main(repo):
    commit = subprocess.check_output(["git", "-C", repo, "rev-parse", "HEAD"], text=True).strip()
    out = []
    for file, names in DATASETS.items():
        raw = subprocess.check_output(["git", "-C", repo, "show", f"HEAD:data/{file}"], text=True)
        samples = [json.loads(line) for line in raw.splitlines() if line.strip()] if file.endswith(".jsonl") else json.loads(raw)
        lengths = sorted(text_length(s) / CHARACTERS_PER_TOKEN + TEMPLATE_TOKENS for s in samples)
        n = len(lengths)
        quantiles = [round(lengths[min(n - 1, int((i + 0.5) * n / QUANTILES))], 1) for i in range(QUANTILES - 1)] + [round(lengths[-1], 1)]
        out.append({"file": f"data/{file}", "names": names, "examples": n, "quantiles": quantiles})
        if file == FULL_ALPACA["sample"]:
            out.append({"file": f"data/{file} (body) + the published longest", "names": FULL_ALPACA["names"], "examples": FULL_ALPACA["examples"],
                        "quantiles": quantiles[:-1] + [FULL_ALPACA["longest"]], "longest_source": FULL_ALPACA["longest_source"]})
    json.dump({
        "source": f"hiyouga/LLaMA-Factory@{commit} data/; tokens = characters / {CHARACTERS_PER_TOKEN:g} + {TEMPLATE_TOKENS} template tokens (scripts/datasets/extract-dataset-lengths.py)",
        "datasets": out,
    }, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main(sys.argv[1])
