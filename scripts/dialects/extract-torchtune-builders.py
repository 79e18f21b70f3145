#!/usr/bin/env python3
"""Extracts what LspFineTune needs to read torchtune recipe configs, which have no schema: the `_component_` paths a
config may name with the arguments each one binds (what `tune validate`, torchtune/config/_validate.py, checks with
inspect.signature), the architecture each model builder builds, the config -> recipe map of _recipe_registry.py, and
the top-level keys each recipe reads with their defaults.

Input: the bare git mirror of pytorch/torchtune and the pinned commit (read with `git show`, nothing is imported or
run). Output: server/LspFineTune.Core/Dialects/Torchtune/Data/torchtune.json (facts only, sorted, so the output is
deterministic). Standard library only (`ast`).

    scripts/dialects/extract-torchtune-builders.py /work/.mirror/pytorch+torchtune/repo bd2a0fc7c31430972728494fa01aaeeb0ebf1ba1

What is extracted:
  * components: every public function or class of the torchtune packages configs name (models, datasets, training,
    modules, rlhf, data, dev), under each dotted path it is reachable by (a package's re-exports included): its
    parameters with literal defaults, whether it takes **kwargs (then any argument binds), and where it is defined.
    A class's parameters are its __init__'s (or its torchtune base class's). `name = partial(f, k=v)` and `name = f`
    aliases are followed (the qlora_* builders are partials of the lora_* ones).
  * architecture of a model builder (a component builder named directly gets its own defaults; the config supplies
    the rest): the literal arguments of the component-builder call it returns (vocab_size,
    num_layers, num_heads, num_kv_heads, embed_dim, intermediate_dim, head_dim, max_seq_len, tie_word_embeddings),
    a pass-through parameter taking the builder's default, a missing one the component builder's default; llama2's
    intermediate_dim=None is computed as torchtune's scale_hidden_dim_for_mlp does (4d * 2/3, up to a multiple of 256).
  * EXTERNAL below: the signatures of the optimizers and losses from other packages the configs use (torch 2.x,
    bitsandbytes 0.45, torchao 0.10), written by hand from their documentation; torch is not in the mirror.
  * recipes: _recipe_registry.py's recipes, whether each supports distributed runs, and the configs each lists.
  * recipe_keys: for each recipe file, the top-level keys it reads (`cfg.key`, `cfg["key"]`, `cfg.get("key", d)`).
"""
import ast, json, os, subprocess, sys

PACKAGES = ("torchtune.models", "torchtune.datasets", "torchtune.training", "torchtune.modules", "torchtune.rlhf",
            "torchtune.data", "torchtune.dev")

# The component builder module -> Hugging Face model_type whose layout it builds (torchtune's checkpointer maps them
# the same way: torchtune/models/convert_weights.py, training/checkpointing/_utils.py ModelType).
MODEL_TYPES = {"llama2": "llama", "llama3": "llama", "llama3_1": "llama", "llama3_2": "llama", "mistral": "mistral",
               "qwen2": "qwen2", "qwen3": "qwen3", "gemma": "gemma", "gemma2": "gemma2", "phi3": "phi3", "smol": "llama"}
# Families whose decoder always ties the output projection to the embedding (gemma/_component_builders.py: the
# output is TiedLinear, no parameter).
ALWAYS_TIED = {"gemma", "gemma2"}
ARCH_KEYS = ("vocab_size", "num_layers", "num_heads", "num_kv_heads", "embed_dim", "intermediate_dim", "hidden_dim",
             "head_dim", "max_seq_len", "tie_word_embeddings")

def p(*names, kw=(), varkw=False):
    """A hand-written signature: positional names first (a required one as "name!"), then keyword-only ones."""
    params = []
    for name in names + tuple(kw):
        params.append({"name": name.rstrip("!"), "required": True} if name.endswith("!") else {"name": name})
    return {"kind": "class", "params": params, "varkw": varkw, "defined": "external"}

ADAM = ("params!", "lr", "betas", "eps", "weight_decay", "amsgrad")
ADAM_KW = ("foreach", "maximize", "capturable", "differentiable", "fused")
BNB = ("params!", "lr", "betas", "eps", "weight_decay", "amsgrad", "optim_bits", "args", "min_8bit_size",
       "percentile_clipping", "block_wise", "is_paged")
BNB8 = ("params!", "lr", "betas", "eps", "weight_decay", "amsgrad", "args", "min_8bit_size", "percentile_clipping",
        "block_wise", "is_paged")
TORCHAO = ("params!", "lr", "betas", "eps", "weight_decay", "amsgrad")
EXTERNAL = {
    "torch.optim.AdamW": p(*ADAM, kw=ADAM_KW),
    "torch.optim.Adam": p(*ADAM, kw=ADAM_KW + ("decoupled_weight_decay",)),
    "torch.optim.SGD": p("params!", "lr", "momentum", "dampening", "weight_decay", "nesterov",
                         kw=("maximize", "foreach", "differentiable", "fused")),
    "bitsandbytes.optim.AdamW": p(*BNB),
    "bitsandbytes.optim.PagedAdamW": p(*BNB),
    "bitsandbytes.optim.AdamW8bit": p(*BNB8),
    "bitsandbytes.optim.PagedAdamW8bit": p(*BNB8),
    "bitsandbytes.optim.PagedAdamW32bit": p(*BNB8),
    "torchao.optim.AdamW8bit": p(*TORCHAO, kw=("block_size", "bf16_stochastic_round")),
    "torchao.optim.AdamW4bit": p(*TORCHAO, kw=("block_size", "bf16_stochastic_round")),
    "torchao.optim.AdamWFp8": p(*TORCHAO, kw=("block_size", "bf16_stochastic_round")),
    "torchao.optim.CPUOffloadOptimizer": p("params!", "optimizer_class", kw=("offload_gradients",), varkw=True),
    "torch.nn.CrossEntropyLoss": p("weight", "size_average", "ignore_index", "reduce", "reduction", "label_smoothing"),
}


class Repo:
    def __init__(self, path, commit):
        self.path, self.commit = path, commit

    def git(self, *args):
        return subprocess.run(["git", "-C", self.path, *args], check=True, capture_output=True, text=True).stdout

    def files(self):
        return [f for f in self.git("ls-tree", "-r", "--name-only", self.commit).splitlines()]

    def read(self, path):
        return self.git("show", f"{self.commit}:{path}")


def literal(node):
    """A JSON-able literal, or a marker that the default is an expression."""
    try:
        value = ast.literal_eval(node)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return {"expr": ast.unparse(node)}
    if isinstance(value, (tuple, set, frozenset)):
        value = sorted(value) if isinstance(value, (set, frozenset)) else list(value)
    try:
        json.dumps(value)
    except TypeError:
        return {"expr": ast.unparse(node)}
    return value


def signature(args, skip_self=False):
    params = []
    positional = args.posonlyargs + args.args
    if skip_self and positional:
        positional = positional[1:]
    defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    for arg, default in zip(positional, defaults):
        params.append({"name": arg.arg, "required": True} if default is None else {"name": arg.arg, "default": literal(default)})
    for arg, default in zip(args.kwonlyargs, args.kw_defaults):
        params.append({"name": arg.arg, "required": True} if default is None else {"name": arg.arg, "default": literal(default)})
    return params, args.kwarg is not None


class Module:
    def __init__(self, name, path, tree, is_package):
        self.name, self.path, self.tree, self.is_package = name, path, tree, is_package
        self.defs = {}      # name -> ast node (FunctionDef, ClassDef) or ("alias", expr node)
        self.imports = {}   # local name -> dotted target
        self.all = set()
        package = name if is_package else name.rsplit(".", 1)[0]
        body = []
        for node in tree.body:
            # Optional imports (`try: from torchao... import X`) define the name as much as a plain import.
            body.extend(node.body if isinstance(node, ast.Try) else [node])
        for node in body:
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
                try:
                    self.all = set(ast.literal_eval(node.value))
                except ValueError:
                    pass
                continue
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                self.defs[node.name] = node
            elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                self.defs[node.targets[0].id] = ("alias", node.value, node.lineno)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")
                    parts = parts[: len(parts) - node.level + 1]
                    base = ".".join(parts + ([node.module] if node.module else []))
                for alias in node.names:
                    self.imports[alias.asname or alias.name] = f"{base}.{alias.name}"
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    self.imports[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else alias.name.split(".")[0]


class Extractor:
    def __init__(self, repo):
        self.repo = repo
        self.modules = {}
        for path in repo.files():
            if not path.startswith("torchtune/") or not path.endswith(".py"):
                continue
            name = path[:-3].replace("/", ".")
            is_package = name.endswith(".__init__")
            if is_package:
                name = name[: -len(".__init__")]
            try:
                tree = ast.parse(repo.read(path))
            except SyntaxError:
                continue
            self.modules[name] = Module(name, path, tree, is_package)

    def resolve(self, dotted, depth=0):
        """The (module, name, node) a dotted path names, following re-exports and aliases; None when not in torchtune."""
        if depth > 20 or "." not in dotted:
            return None
        module_name, attr = dotted.rsplit(".", 1)
        module = self.modules.get(module_name)
        if module is None:
            return None
        if attr in module.defs:
            node = module.defs[attr]
            if isinstance(node, tuple):
                value = node[1]
                target = self.callable_name(module, value.func if isinstance(value, ast.Call) else value)
                if target is not None and (isinstance(value, ast.Call) and self.is_partial(module, value.func) or not isinstance(value, ast.Call)):
                    return (module, attr, node)
                return None
            return (module, attr, node)
        if attr in module.imports:
            return self.resolve(module.imports[attr], depth + 1)
        return None

    def is_partial(self, module, func):
        return (isinstance(func, ast.Name) and module.imports.get(func.id, "").endswith("functools.partial")) or \
               (isinstance(func, ast.Attribute) and func.attr == "partial")

    def callable_name(self, module, node):
        """The dotted path a name used in a module refers to (a local def, or an import)."""
        if isinstance(node, ast.Call) and self.is_partial(module, node.func) and node.args:
            return self.callable_name(module, node.args[0])
        if isinstance(node, ast.Name):
            if node.id in module.defs:
                return f"{module.name}.{node.id}"
            if node.id in module.imports:
                return module.imports[node.id]
        return None

    def describe(self, dotted, depth=0):
        """The component record of a dotted path, or None."""
        found = self.resolve(dotted)
        if found is None or depth > 20:
            return None
        module, name, node = found
        if isinstance(node, tuple):
            value, line = node[1], node[2]
            if isinstance(value, ast.Call):
                target = self.callable_name(module, value.args[0]) if value.args else None
                inner = self.describe(target, depth + 1) if target else None
                if inner is None:
                    return None
                overrides = {k.arg: literal(k.value) for k in value.keywords if k.arg}
                record = json.loads(json.dumps(inner))
                for param in record["params"] or []:
                    if param["name"] in overrides:
                        param.pop("required", None)
                        param["default"] = overrides[param["name"]]
                if "model" in record:
                    record["model"]["arguments"].update({k: v for k, v in overrides.items() if not isinstance(v, dict)})
                record["defined"] = f"{module.path}:{line}"
                return record
            target = self.callable_name(module, value)
            inner = self.describe(target, depth + 1) if target else None
            if inner is not None:
                inner = dict(inner)
                inner["defined"] = f"{module.path}:{line} (= {target})"
            return inner
        if isinstance(node, ast.FunctionDef):
            params, varkw = signature(node.args)
            record = {"kind": "function", "params": params, "varkw": varkw, "defined": f"{module.path}:{node.lineno}"}
            model = self.model_of(module, node, params)
            if model is not None:
                record["model"] = model
            return record
        if isinstance(node, ast.ClassDef):
            params, varkw = self.class_signature(module, node, depth)
            return {"kind": "class", "params": params, "varkw": varkw, "defined": f"{module.path}:{node.lineno}"}
        return None

    def class_signature(self, module, node, depth):
        for item in node.body:
            if isinstance(item, ast.FunctionDef) and item.name == "__init__":
                return signature(item.args, skip_self=True)
        dataclass = any((isinstance(d, ast.Name) and d.id == "dataclass") or (isinstance(d, ast.Call) and getattr(d.func, "id", "") == "dataclass") for d in node.decorator_list)
        if dataclass:
            params = []
            for item in node.body:
                if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                    params.append({"name": item.target.id, "required": True} if item.value is None else {"name": item.target.id, "default": literal(item.value)})
            return params, False
        for base in node.bases:
            target = self.callable_name(module, base)
            inner = self.describe(target, depth + 1) if target else None
            if inner is not None:
                return inner["params"], inner["varkw"]
        # An external base (nn.Module, torch's LRScheduler, ...): its signature is not known here.
        return None, True

    def model_of(self, module, node, params):
        """For a model builder (`return component_builder(...)`), the architecture arguments it passes."""
        if not module.name.startswith("torchtune.models."):
            return None
        if module.name.endswith("_component_builders"):
            # A component builder named directly (llama2/1B_qat_single_device.yaml): the config passes the numbers.
            family = module.name.split(".")[2]
            if family not in MODEL_TYPES or not any(param["name"] == "num_layers" for param in params):
                return None
            arguments = {param["name"]: param["default"] for param in params if "default" in param and not isinstance(param["default"], dict) and param["name"] in ARCH_KEYS}
            if family in ALWAYS_TIED:
                arguments["tie_word_embeddings"] = True
            return {"family": family, "model_type": MODEL_TYPES[family], "component_builder": f"{module.name}.{node.name}",
                    "lora": node.name.startswith("lora_"), "arguments": dict(sorted(arguments.items()))}
        if not module.name.endswith("_model_builders"):
            return None
        returns = [n for n in node.body if isinstance(n, ast.Return) and isinstance(n.value, ast.Call)]
        if len(returns) != 1:
            return None
        call = returns[0].value
        target = self.callable_name(module, call.func)
        found = self.resolve(target) if target else None
        if found is None or not isinstance(found[2], ast.FunctionDef):
            return None
        builder_module, builder_name, builder = found
        if not builder_module.name.endswith("_component_builders"):
            return None
        family = builder_module.name.split(".")[2]
        builder_params, _ = signature(builder.args)
        own = {param["name"]: param.get("default") for param in params}
        arguments = {param["name"]: param["default"] for param in builder_params if "default" in param and not isinstance(param["default"], dict)}
        for position, arg in enumerate(call.args):
            if position < len(builder_params):
                arguments[builder_params[position]["name"]] = self.argument(arg, own)
        for keyword in call.keywords:
            if keyword.arg:
                arguments[keyword.arg] = self.argument(keyword.value, own)
        arguments = {k: v for k, v in arguments.items() if k in ARCH_KEYS or k in ("quantize_base", "lora_rank", "lora_alpha", "lora_dropout", "apply_lora_to_mlp", "apply_lora_to_output")}
        if family == "llama2" and arguments.get("intermediate_dim") is None and isinstance(arguments.get("embed_dim"), int):
            # torchtune/modules/transformer.py scale_hidden_dim_for_mlp(dim, multiple_of=256).
            hidden = int(2 * (4 * arguments["embed_dim"]) / 3)
            arguments["intermediate_dim"] = 256 * ((hidden + 255) // 256)
        if family in ALWAYS_TIED:
            arguments["tie_word_embeddings"] = True
        return {"family": family, "model_type": MODEL_TYPES.get(family), "component_builder": f"{builder_module.name}.{builder_name}",
                "lora": builder_name.startswith("lora_") or "lora_rank" in own, "arguments": dict(sorted(arguments.items()))}

    @staticmethod
    def argument(node, own):
        if isinstance(node, ast.Name) and node.id in own:
            value = own[node.id]
            return None if isinstance(value, dict) else value
        value = literal(node)
        return None if isinstance(value, dict) else value

    def public_paths(self):
        paths = set()
        for name, module in self.modules.items():
            if not name.startswith(PACKAGES) or any(part.startswith("_") for part in name.split(".")[1:]) and not module.is_package:
                continue
            if any(part.startswith("_") for part in name.split(".")[1:]):
                continue
            for local in list(module.defs) + list(module.imports):
                if not local.startswith("_"):
                    paths.add(f"{name}.{local}")
        return sorted(paths)

    def recipes(self):
        tree = ast.parse(self.repo.read("torchtune/_recipe_registry.py"))
        recipes = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Recipe":
                fields = {k.arg: k.value for k in node.keywords}
                configs = [ast.literal_eval(dict((k.arg, k.value) for k in c.keywords)["name"]) for c in fields["configs"].elts]
                recipes[ast.literal_eval(fields["name"])] = {
                    "file": "recipes/" + ast.literal_eval(fields["file_path"]),
                    "supports_distributed": ast.literal_eval(fields["supports_distributed"]),
                    "configs": configs,
                }
        return dict(sorted(recipes.items()))

    def recipe_keys(self, recipes):
        result = {}
        for name, recipe in recipes.items():
            try:
                tree = ast.parse(self.repo.read(recipe["file"]))
            except subprocess.CalledProcessError:
                continue
            keys = {}
            for node in ast.walk(tree):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get" \
                        and isinstance(node.func.value, ast.Name) and node.func.value.id == "cfg" and node.args \
                        and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                    default = literal(node.args[1]) if len(node.args) > 1 else None
                    keys[node.args[0].value] = {"default": None if isinstance(default, dict) else default}
                elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "cfg" \
                        and node.attr not in ("get", "items", "keys", "values", "pop", "copy"):
                    if node.attr not in keys:
                        keys[node.attr] = {"required": True}
                elif isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id == "cfg" \
                        and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
                    keys.setdefault(node.slice.value, {"required": True})
            result[name] = dict(sorted(keys.items()))
        return result


def main(repo_path, commit):
    extractor = Extractor(Repo(repo_path, commit))
    components = {}
    for path in extractor.public_paths():
        record = extractor.describe(path)
        if record is not None:
            components[path] = record
        elif path.rsplit(".", 1)[1] in extractor.modules[path.rsplit(".", 1)[0]].all:
            # Exported, but from another package (torchao's quantizers): the path exists, its signature is not known.
            components[path] = {"kind": "external", "params": None, "varkw": True, "defined": "external"}
    components.update(EXTERNAL)
    recipes = extractor.recipes()
    out = {
        "$comment": "Generated by scripts/dialects/extract-torchtune-builders.py from pytorch/torchtune at the commit below; facts only (names, defaults, architecture numbers).",
        "upstream": f"pytorch/torchtune@{commit[:7]}",
        "components": dict(sorted(components.items())),
        "recipes": recipes,
        "recipe_keys": extractor.recipe_keys(recipes),
    }
    target = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../server/LspFineTune.Core/Dialects/Torchtune/Data/torchtune.json")
    os.makedirs(os.path.dirname(target), exist_ok=True)
    with open(target, "w") as f:
        json.dump(out, f, indent=1, sort_keys=False)
        f.write("\n")
    models = sum(1 for c in components.values() if "model" in c)
    print(f"{len(components)} components ({models} model builders), {len(recipes)} recipes -> {os.path.normpath(target)}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
