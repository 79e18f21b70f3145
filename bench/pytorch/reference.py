#!/usr/bin/env python3
"""PyTorch reference of what lft-train does to the bundled tiny model, for the side-by-side benchmark.

The same LLaMA-family model (RMSNorm, half-split RoPE, GQA with repeat_kv, SwiGLU, tied head) is built from the model
folder's config.json and model.safetensors, trained with the same method and shapes, and timed per step the same way
(wall time of one optimizer step, the first 3 steps excluded). Run by bench/LspFineTune.Trainer.Bench --pytorch; needs
Debian's python3-torch with libopenblas0-openmp (`apt-get install python3-torch libopenblas0-openmp`).

Prints one JSON line: {"median_step_ms": ..., "first_loss": ..., "phase_ms": {...}, "peak_rss_bytes": ...}.
"""

import argparse
import json
import math
import resource
import struct
import time

import torch
import torch.nn.functional as F
import torch.utils.checkpoint


def read_safetensors(path):
    with open(path, "rb") as f:
        size = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(size))
        data = f.read()
    dtypes = {"F32": torch.float32, "BF16": torch.bfloat16, "F16": torch.float16}
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        raw = bytearray(data[start:end])
        tensors[name] = torch.frombuffer(raw, dtype=dtypes[info["dtype"]]).reshape(info["shape"]).to(torch.float32)
    return tensors


class Lora(torch.nn.Module):
    def __init__(self, base, rank, alpha):
        super().__init__()
        self.base = base
        self.lora_A = torch.nn.Linear(base.in_features, rank, bias=False)
        self.lora_B = torch.nn.Linear(rank, base.out_features, bias=False)
        torch.nn.init.zeros_(self.lora_B.weight)
        self.scaling = alpha / rank

    def forward(self, x):
        return self.base(x) + self.lora_B(self.lora_A(x)) * self.scaling


class Block(torch.nn.Module):
    def __init__(self, c, attention):
        super().__init__()
        h, d = c["hidden_size"], c["head_dim"]
        self.heads, self.kv, self.d, self.eps, self.attention = c["num_attention_heads"], c["num_key_value_heads"], d, c["rms_norm_eps"], attention
        self.input_layernorm = torch.nn.Parameter(torch.ones(h))
        self.post_attention_layernorm = torch.nn.Parameter(torch.ones(h))
        self.q_proj = torch.nn.Linear(h, self.heads * d, bias=False)
        self.k_proj = torch.nn.Linear(h, self.kv * d, bias=False)
        self.v_proj = torch.nn.Linear(h, self.kv * d, bias=False)
        self.o_proj = torch.nn.Linear(self.heads * d, h, bias=False)
        self.gate_proj = torch.nn.Linear(h, c["intermediate_size"], bias=False)
        self.up_proj = torch.nn.Linear(h, c["intermediate_size"], bias=False)
        self.down_proj = torch.nn.Linear(c["intermediate_size"], h, bias=False)

    def norm(self, x, w):
        x32 = x.float()
        return w * (x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + self.eps)).to(x.dtype)

    def rope(self, x, cos, sin):
        half = x.shape[-1] // 2
        a, b = x[..., :half], x[..., half:]
        return torch.cat([a * cos - b * sin, b * cos + a * sin], -1)

    def forward(self, x, cos, sin):
        b, s, _ = x.shape
        y = self.norm(x, self.input_layernorm)
        q = self.q_proj(y).view(b, s, self.heads, self.d).transpose(1, 2)
        k = self.k_proj(y).view(b, s, self.kv, self.d).transpose(1, 2)
        v = self.v_proj(y).view(b, s, self.kv, self.d).transpose(1, 2)
        q, k = self.rope(q, cos, sin), self.rope(k, cos, sin)
        groups = self.heads // self.kv
        if groups > 1:
            k, v = k.repeat_interleave(groups, 1), v.repeat_interleave(groups, 1)
        if self.attention == "sdpa":
            # PyTorch 1.13 (Debian 12) has the fused kernel only under its private name; 2.x as scaled_dot_product_attention.
            if hasattr(F, "scaled_dot_product_attention"):
                o = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            else:
                o = F._scaled_dot_product_attention(q, k, v, None, 0.0, False, True)[0]
        else:
            scores = q @ k.transpose(-1, -2) / math.sqrt(self.d)
            mask = torch.ones(s, s, dtype=torch.bool).triu(1)
            probabilities = torch.softmax(scores.masked_fill(mask, float("-inf")).float(), -1).to(q.dtype)
            o = probabilities @ v
        x = x + self.o_proj(o.transpose(1, 2).reshape(b, s, -1))
        y = self.norm(x, self.post_attention_layernorm)
        return x + self.down_proj(F.silu(self.gate_proj(y)) * self.up_proj(y))


class Model(torch.nn.Module):
    def __init__(self, c, attention, checkpointing):
        super().__init__()
        self.embed_tokens = torch.nn.Embedding(c["vocab_size"], c["hidden_size"])
        self.layers = torch.nn.ModuleList([Block(c, attention) for _ in range(c["num_hidden_layers"])])
        self.norm_weight = torch.nn.Parameter(torch.ones(c["hidden_size"]))
        self.eps, self.checkpointing = c["rms_norm_eps"], checkpointing
        d = c["head_dim"]
        inverse = 1.0 / torch.pow(c["rope_theta"], torch.arange(0, d, 2, dtype=torch.float64) / d)
        angles = torch.outer(torch.arange(c["max_position_embeddings"], dtype=torch.float64), inverse)
        self.cos, self.sin = angles.cos().float(), angles.sin().float()

    def forward(self, ids):
        s = ids.shape[1]
        cos, sin = self.cos[:s], self.sin[:s]
        x = self.embed_tokens(ids)
        for layer in self.layers:
            if self.checkpointing and self.training and torch.is_grad_enabled():
                x = torch.utils.checkpoint.checkpoint(layer, x, cos, sin, use_reentrant=False)
            else:
                x = layer(x, cos, sin)
        x32 = x.float()
        x = self.norm_weight * (x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + self.eps))
        return x @ self.embed_tokens.weight.t()


def load(folder, attention, checkpointing):
    with open(f"{folder}/config.json") as f:
        c = json.load(f)
    c.setdefault("head_dim", c["hidden_size"] // c["num_attention_heads"])
    model = Model(c, attention, checkpointing)
    weights = read_safetensors(f"{folder}/model.safetensors")
    with torch.no_grad():
        model.embed_tokens.weight.copy_(weights["model.embed_tokens.weight"])
        model.norm_weight.copy_(weights["model.norm.weight"])
        for i, layer in enumerate(model.layers):
            p = f"model.layers.{i}."
            layer.input_layernorm.copy_(weights[p + "input_layernorm.weight"])
            layer.post_attention_layernorm.copy_(weights[p + "post_attention_layernorm.weight"])
            for name in ["q_proj", "k_proj", "v_proj", "o_proj"]:
                getattr(layer, name).weight.copy_(weights[p + f"self_attn.{name}.weight"])
            for name in ["gate_proj", "up_proj", "down_proj"]:
                getattr(layer, name).weight.copy_(weights[p + f"mlp.{name}.weight"])
    return model, c


def loss_of(model, ids):
    logits = model(ids[:, :-1])
    return F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), ids[:, 1:].reshape(-1))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--method", choices=["lora", "full", "mezo"], required=True)
    parser.add_argument("--attention", choices=["eager", "sdpa"], default="sdpa")
    parser.add_argument("--checkpointing", action="store_true")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--sequence", type=int, default=128)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    model, c = load(args.model, args.attention, args.checkpointing)
    if args.method == "lora":
        for p in model.parameters():
            p.requires_grad_(False)
        for layer in model.layers:
            layer.q_proj, layer.v_proj = Lora(layer.q_proj, 8, 16), Lora(layer.v_proj, 8, 16)
    trainable = [p for p in model.parameters() if p.requires_grad]
    model.train()
    ids = torch.randint(3, c["vocab_size"], (args.batch, args.sequence + 1), generator=torch.Generator().manual_seed(1))
    optimizer = torch.optim.AdamW(trainable, lr=1e-3, weight_decay=0.0) if args.method != "mezo" else None
    times, first, phases = [], None, []
    for step in range(args.steps):
        start = time.perf_counter()
        if args.method == "mezo":
            # MeZO as its reference does it: seed, perturb +eps, loss, -2eps, loss, +eps, update with the same z.
            seed, eps, lr = 1000 + step, 1e-3, 1e-4
            def perturb(scale):
                generator = torch.Generator().manual_seed(seed)
                for p in trainable:
                    p.data.add_(torch.randn(p.shape, generator=generator), alpha=scale)
            model.eval()
            with torch.inference_mode():
                perturb(eps)
                plus = loss_of(model, ids).item()
                perturb(-2 * eps)
                minus = loss_of(model, ids).item()
                perturb(eps)
                perturb(-lr * (plus - minus) / (2 * eps))
            model.train()
            loss = (plus + minus) / 2
        else:
            t0 = time.perf_counter()
            value = loss_of(model, ids)
            t1 = time.perf_counter()
            value.backward()
            t2 = time.perf_counter()
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            t3 = time.perf_counter()
            loss = value.item()
            phases.append({"forward": (t1 - t0) * 1000, "backward": (t2 - t1) * 1000, "optimizer": (t3 - t2) * 1000})
        times.append((time.perf_counter() - start) * 1000)
        first = loss if first is None else first
    measured = sorted(times[3:])
    print(json.dumps({
        "median_step_ms": measured[len(measured) // 2],
        "first_loss": first,
        # Median per phase over the timed steps (forward with the loss, backward, optimizer step with zero_grad).
        "phase_ms": {k: sorted(p[k] for p in phases[3:])[len(phases[3:]) // 2] for k in ("forward", "backward", "optimizer")} if phases else None,
        "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }))


if __name__ == "__main__":
    main()
