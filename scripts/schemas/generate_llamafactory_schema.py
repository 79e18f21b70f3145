#!/usr/bin/env python3
"""Generate schemas/llamafactory.schema.json (classic format) or, with --v1, schemas/llamafactory-v1.schema.json
from LLaMA-Factory's HfArgumentParser dataclasses, read with ``ast``.

Usage:
    python3 scripts/schemas/generate_llamafactory_schema.py --source path/to/LLaMA-Factory --commit SHA \
        --transformers path/to/transformers --transformers-commit SHA -o schemas/llamafactory.schema.json
    python3 scripts/schemas/generate_llamafactory_schema.py --v1 --source path/to/LLaMA-Factory --commit SHA \
        -o schemas/llamafactory-v1.schema.json

Classic: the dataclasses of the train parser (_TRAIN_ARGS in src/llamafactory/hparams/parser.py) with
transformers' Seq2SeqTrainingArguments under LLaMA-Factory's TrainingArguments, plus the extra dataclasses of the
inference/export and evaluation parsers. v1: src/llamafactory/v1/config (get_args' four dataclasses), whose
PluginConfig fields are blocks with a `name` and plugin-specific keys. See scripts/schemas/README.md.
"""

from __future__ import annotations

import ast
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from hfargs_schema import (  # noqa: E402
    PARSE_DICT,
    DataclassReader,
    Descriptions,
    Property,
    TransformersArgs,
    die,
    document,
    finish_property,
    removed_init_false,
    run,
)
from pyast_schema import Project, SchemaBuilder, call_name, literal  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
GENERATOR = "scripts/schemas/generate_llamafactory_schema.py"
REPO = "hiyouga/LLaMA-Factory"
PARSER = "llamafactory.hparams.parser"
V1_PARSER = "llamafactory.v1.config.arg_parser"
# parser.py lists whose dataclasses a classic config may feed: training, inference/chat/export, evaluation, and
# training with USE_MEGATRON_BRIDGE=1. (USE_MCA=1 swaps in mcore_adapter's TrainingArguments, which is not in the tree.)
PARSER_LISTS = ("_TRAIN_ARGS", "_INFER_ARGS", "_EVAL_ARGS", "_TRAIN_MBRIDGE_ARGS")
ONLY_WITH = {"_TRAIN_MBRIDGE_ARGS": "USE_MEGATRON_BRIDGE=1"}
# v1 PluginConfig fields -> the plugin base class whose registrations name the accepted plugins.
V1_PLUGIN_CLASSES = {
    "init_config": "InitPlugin",
    "peft_config": "PeftPlugin",
    "kernel_config": "KernelPlugin",
    "quant_config": "QuantizationPlugin",
    "dist_config": "DistributedPlugin",
    "optim_config": "OptimizerPlugin",
    "lr_scheduler_config": "LRSchedulerPlugin",
}


def parser_classes(project: Project, modname: str, lists: tuple[str, ...]) -> list[tuple[str, object, ast.ClassDef]]:
    """(list name, module, class) for every dataclass named in the parser's module-level lists, first use first."""
    mod = project.load(modname) or die(f"{modname} not found")
    out, seen = [], set()
    for name in lists:
        node = mod.assigns.get(name)
        if not isinstance(node, ast.List):
            die(f"{mod.rel}: {name} is no longer a list of dataclasses")
        for elt in node.elts:
            hit = project.resolve_expr(mod, elt)
            if not hit or hit[0] != "class":
                die(f"{mod.rel}: cannot resolve {ast.unparse(elt)} in {name}")
            if hit[2].name not in seen:
                seen.add(hit[2].name)
                out.append((name, hit[1], hit[2]))
    return out


def v1_parser_classes(project: Project) -> list[tuple[str, object, ast.ClassDef]]:
    mod = project.load(V1_PARSER) or die(f"{V1_PARSER} not found")
    fn = mod.functions.get("get_args") or die(f"{mod.rel}: get_args not found")
    for node in ast.walk(fn):
        if isinstance(node, ast.Call) and call_name(node) == "HfArgumentParser" and node.args and isinstance(node.args[0], ast.List):
            out = []
            for elt in node.args[0].elts:
                hit = project.resolve_expr(mod, elt)
                if not hit or hit[0] != "class":
                    die(f"{mod.rel}: cannot resolve {ast.unparse(elt)}")
                out.append(("get_args", hit[1], hit[2]))
            return out
    die(f"{mod.rel}: HfArgumentParser([...]) not found in get_args")
    return []


def plugin_names(project: Project, plugins_dir: str, base: str) -> list[str]:
    """Names registered with ``@Base("name").register()`` under plugins_dir."""
    names = set()
    for root, _dirs, files in sorted(os.walk(plugins_dir)):
        for fname in sorted(files):
            if not fname.endswith(".py"):
                continue
            mod = project.load_file(os.path.join(root, fname))
            if mod is None:
                continue
            for node in ast.walk(mod.tree):
                if (
                    isinstance(node, ast.Call)
                    and call_name(node) == "register"
                    and isinstance(node.func, ast.Attribute)
                    and isinstance(node.func.value, ast.Call)
                    and call_name(node.func.value) == base
                    and node.func.value.args
                ):
                    v = literal(project, mod, node.func.value.args[0])
                    if isinstance(v, str):
                        names.add(v)
    return sorted(names)


class Generator:
    def __init__(self, args):
        self.args = args
        self.source = os.path.abspath(args.source)
        self.project = Project(self.source, os.path.join(self.source, "src"))
        self.descriptions = Descriptions(args.descriptions, *([] if args.v1 else [args.transformers_descriptions]))
        self.warnings: list[str] = []

    def describe(self, prop: Property) -> str:
        text = self.descriptions.get(prop.name)
        if text:
            return text
        where = f"`{prop.source.rsplit(':', 1)[0]}`" + (f" line {prop.source.rsplit(':', 1)[1]}" if ":" in prop.source else "")
        if prop.notes.get("x-lft-removed"):
            return f"Not settable: {prop.notes['x-lft-removed']} ({where})."
        if prop.notes.get("deprecated"):
            r = prop.notes.get("x-lft-replacement")
            return (f"Deprecated: write `{r}` instead" if r else "Deprecated option") + f"; still read ({where})."
        if prop.owner in ("TrainingArguments", "Seq2SeqTrainingArguments") and "transformers" in prop.source:
            return f"Hugging Face Trainer option ({where}, `{prop.owner}`)."
        return f"LLaMA-Factory option of `{prop.owner}` ({where})."

    # ---- classic ----
    def build_classic(self) -> dict:
        tf = TransformersArgs(os.path.abspath(self.args.transformers), self.args.transformers_data)
        builder = SchemaBuilder(self.project, external=tf.external)
        reader = DataclassReader(builder, PARSE_DICT, tf.external)
        props: dict[str, Property] = {}

        # transformers TrainingArguments (the base of Seq2SeqTrainingArguments), then Seq2Seq, then LF's own classes
        tf_builder = SchemaBuilder(tf.project, external=tf.external)
        tf_reader = DataclassReader(tf_builder, PARSE_DICT, tf.external)
        for p in tf.properties(tf_reader):
            props[p.name] = p
        for p in tf.seq2seq_properties():
            props[p.name] = p
        for p in tf.v4_properties(PARSE_DICT, "LLaMA-Factory"):
            props.setdefault(p.name, p)
        n_hf = len(props)
        parsers: dict[str, list[str]] = {}
        for list_name, mod, cls in parser_classes(self.project, PARSER, PARSER_LISTS):
            parsers.setdefault(list_name, []).append(cls.name)
            info = reader.info(self.project, mod, cls)
            for f in info.fields.values():
                p = reader.property(f)
                if not f.init:
                    p = removed_init_false(p, f"LLaMA-Factory sets `{f.name}` itself (derived from other keys); HfArgumentParser refuses it in a config")
                if list_name in ONLY_WITH:
                    p.notes["x-lft-note"] = f"Read only when the environment has {ONLY_WITH[list_name]} (parser.py {list_name})."
                props[f.name] = p
        for name, d in tf_builder.definitions.items():
            builder.definitions.setdefault(name, d)
        properties = {name: finish_property(p, self.describe(p)) for name, p in props.items()}
        mod = self.project.load(PARSER)
        counts = {
            "hf_trainer_fields": n_hf,
            "removed_keys": sum(1 for p in props.values() if "x-lft-removed" in p.notes),
            "deprecated_keys": sum(1 for p in props.values() if p.notes.get("deprecated")),
        }
        return document(
            schema_id="llamafactory",
            title="LLaMA-Factory config (classic format)",
            description="A LLaMA-Factory YAML config (`llamafactory-cli train|chat|export|eval cfg.yaml`): model, method, dataset, output and Hugging Face Trainer keys in one flat mapping.",
            comment=(
                f"Generated by {GENERATOR} from {REPO}@{self.args.commit} (src/llamafactory/hparams/*.py) and "
                f"huggingface/transformers@{self.args.transformers_commit} (src/transformers/training_args.py), read with ast; "
                "nothing was imported. Do not edit by hand: rerun the generator. HfArgumentParser.parse_dict refuses keys no "
                "dataclass declares (unless ALLOW_EXTRA_ARGS=1), hence additionalProperties: false; init=False fields are not "
                "consumed, so they are refused too (x-lft-removed). Values reach the dataclasses unconverted (OmegaConf), so "
                "only YAML 1.1 booleans (yes/no/on/off) are accepted as strings. Descriptions are our own words."
            ),
            upstream={
                "repo": REPO,
                "commit": self.args.commit,
                "generator": GENERATOR,
                "root": f"{mod.rel} " + ", ".join(PARSER_LISTS),
                "parsers": parsers,
                "transformers": {"repo": "huggingface/transformers", "commit": self.args.transformers_commit, "path": "src/transformers/training_args.py"},
            },
            properties=properties,
            definitions=builder.definitions,
            counts=counts,
        )

    # ---- v1 ----
    def build_v1(self) -> dict:
        builder = SchemaBuilder(self.project)
        reader = DataclassReader(builder, PARSE_DICT)
        props: dict[str, Property] = {}
        plugins_dir = os.path.join(self.source, "src", "llamafactory", "v1", "plugins")
        classes = v1_parser_classes(self.project)
        for _list, mod, cls in classes:
            info = reader.info(self.project, mod, cls)
            for f in info.fields.values():
                ann = ast.unparse(f.annotation)
                if "PluginConfig" in ann:
                    base = V1_PLUGIN_CLASSES.get(f.name) or die(f"{f.module.rel}:{f.line}: plugin field {f.name} has no known plugin class")
                    names = plugin_names(self.project, plugins_dir, base)
                    p = Property(f.name, self.plugin_block(base, names), f"{f.module.rel}:{f.line}", f.owner, f)
                else:
                    p = reader.property(f)
                    if not f.init:
                        p = removed_init_false(p, f"LLaMA-Factory sets `{f.name}` itself; HfArgumentParser refuses it in a config")
                props[f.name] = p
        mod = self.project.load(V1_PARSER)
        properties = {name: finish_property(p, self.describe(p)) for name, p in props.items()}
        return document(
            schema_id="llamafactory-v1",
            title="LLaMA-Factory config (v1 format)",
            description="A LLaMA-Factory v1 YAML config (`USE_V1=1 llamafactory-cli train cfg.yaml`): `model` as a hub id, batch and distributed settings, and plugin blocks (`peft_config`, `quant_config`, `dist_config`, ...) with a `name`.",
            comment=(
                f"Generated by {GENERATOR} --v1 from {REPO}@{self.args.commit} (src/llamafactory/v1/config/*.py), read with ast; "
                "nothing was imported. Do not edit by hand: rerun the generator. HfArgumentParser.parse_dict refuses unknown "
                "top-level keys (unless ALLOW_EXTRA_KEYS=1). A plugin block needs `name`; its other keys go to the plugin "
                "unchecked, so they are not checked here either (x-lft-extra: plugin). Descriptions are our own words."
            ),
            upstream={
                "repo": REPO,
                "commit": self.args.commit,
                "generator": GENERATOR,
                "root": f"{mod.rel} get_args: " + ", ".join(c.name for _l, _m, c in classes),
            },
            properties=properties,
            definitions=builder.definitions,
            counts={"plugin_blocks": sum(1 for p in props.values() if "PluginConfig" in ast.unparse(p.info.annotation))},
        )

    @staticmethod
    def plugin_block(base: str, names: list[str]) -> dict:
        block = {
            "type": "object",
            "properties": {"name": {"type": "string", "description": "Which plugin to use" + (f": one of {', '.join(names)}." if names else ".")}},
            "required": ["name"],
            "x-lft-extra": "plugin",
            "x-lft-plugin-class": base,
        }
        if names:
            block["x-lft-known-names"] = names
        # get_plugin_config also takes a JSON object written as a string
        return {"anyOf": [block, {"type": "string", "pattern": r"^\s*\{"}, {"type": "null"}], "default": None}

    def build(self) -> tuple[dict, list[str]]:
        doc = self.build_v1() if self.args.v1 else self.build_classic()
        unused = self.descriptions.unused()
        if unused:
            self.warnings.append("descriptions not used (no such key): " + ", ".join(unused))
        return doc, self.warnings


def add_arguments(ap) -> None:
    ap.add_argument("--source", required=True, help="LLaMA-Factory checkout (folder that holds src/llamafactory)")
    ap.add_argument("--commit", required=True, help="the commit the checkout is at (recorded in the output)")
    ap.add_argument("--v1", action="store_true", help="the v1 format (src/llamafactory/v1/config) instead of the classic one")
    ap.add_argument("--transformers", help="transformers checkout, or a folder with src/transformers/training_args.py (classic only)")
    ap.add_argument("--transformers-commit", help="the transformers commit (recorded in the output)")
    ap.add_argument("--transformers-data", default=os.path.join(HERE, "transformers-training-args.json"))
    ap.add_argument("--transformers-descriptions", default=os.path.join(HERE, "transformers-descriptions.json"))
    ap.add_argument("--descriptions", default=None, help="hover texts (default: llamafactory[-v1]-descriptions.json here)")


def main(argv=None) -> int:
    def build(args):
        if not args.v1 and not (args.transformers and args.transformers_commit):
            die("the classic format needs --transformers and --transformers-commit")
        if args.descriptions is None:
            args.descriptions = os.path.join(HERE, "llamafactory-v1-descriptions.json" if args.v1 else "llamafactory-descriptions.json")
        return Generator(args).build()

    return run(__doc__, build, add_arguments, argv)


if __name__ == "__main__":
    sys.exit(main())
