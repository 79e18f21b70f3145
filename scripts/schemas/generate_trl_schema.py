#!/usr/bin/env python3
"""Generate schemas/trl.schema.json: the keys a `trl sft|dpo|grpo|kto|reward|rloo --config x.yaml` file may hold,
read with ``ast`` from TRL, transformers' TrainingArguments and accelerate's launch parser; plus the keys that the
alignment-handbook and open-r1 training scripts (TrlParser over their own subclasses) add.

Usage:
    python3 scripts/schemas/generate_trl_schema.py --source path/to/trl --commit SHA \
        --transformers path/to/transformers --transformers-commit SHA \
        --accelerate path/to/accelerate --accelerate-commit SHA \
        --extension alignment-handbook=path/to/alignment-handbook@SHA --extension open-r1=path/to/open-r1@SHA \
        -o schemas/trl.schema.json

Every property carries `x-lft-commands`, the commands whose parser reads it (`sft`, ..., `orpo`/`cpo` for
trl.experimental, `alignment-handbook:sft`, `open-r1:grpo`, ...). See scripts/schemas/README.md.
"""

from __future__ import annotations

import ast
import json
import os
import re
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from hfargs_schema import (  # noqa: E402
    ARGPARSE_DEFAULTS,
    DataclassReader,
    Descriptions,
    Property,
    TransformersArgs,
    argparse_flags,
    die,
    document,
    finish_property,
    flag_schema,
    run,
)
from pyast_schema import Project, SchemaBuilder, dotted, merge_union, model_info  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
GENERATOR = "scripts/schemas/generate_trl_schema.py"
REPO = "huggingface/trl"
CLI_COMMANDS = ["sft", "dpo", "grpo", "kto", "reward", "rloo"]
# trl.experimental configs without a CLI command; recipes run them with their own scripts (alignment-handbook orpo).
EXPERIMENTAL = {"orpo": ("trl/experimental/orpo/orpo_config.py", "ORPOConfig"), "cpo": ("trl/experimental/cpo/cpo_config.py", "CPOConfig")}
# Classes a TRL script parses next to an experimental config (as trl/scripts/dpo.py does for DPOConfig).
EXPERIMENTAL_WITH = ("ScriptArguments", "ModelConfig", "DatasetMixtureConfig")
# Where TRL's dataclasses live (a class index: `from trl import X` goes through a lazy module ast cannot follow).
CLASS_DIRS = ("trl/trainer", "trl/scripts", "trl/experimental/orpo", "trl/experimental/cpo")
# Extension scripts: repo -> (script path, command) whose `TrlParser((...))` names the dataclasses.
EXTENSION_SCRIPTS = {
    "alignment-handbook": {"scripts/sft.py": "sft", "scripts/dpo.py": "dpo", "scripts/orpo.py": "orpo"},
    "open-r1": {"src/open_r1/sft.py": "sft", "src/open_r1/grpo.py": "grpo", "scripts/pass_rate_filtering/compute_pass_rate.py": "pass_rate_filtering"},
}
EXTENSION_REPOS = {"alignment-handbook": "huggingface/alignment-handbook", "open-r1": "huggingface/open-r1"}
# Older TRL spellings that recipes still use (trl@f2cd577 has neither): accepted with a warning.
LEGACY = {
    "torch_dtype": {"replacement": "dtype", "like": "dtype", "note": "ModelConfig renamed torch_dtype to dtype (transformers v5 did the same for from_pretrained)."},
    "max_seq_length": {"replacement": "max_length", "like": "max_length", "commands": ["sft"], "note": "SFTConfig renamed max_seq_length to max_length."},
    "max_prompt_length": {
        "schema": {"type": ["integer", "null"]},
        "commands": ["dpo", "grpo", "rloo", "orpo", "cpo", "kto"],
        "note": "Older DPOConfig/GRPOConfig/RLOOConfig/KTOConfig truncated prompts to this length; the current configs have no prompt limit (truncate the dataset, or use max_length).",
    },
}
ENV_SOURCE = "trl/scripts/utils.py"
ENV_MARKER = 'if "env" in config'  # TrlParser.parse_args_and_config sets os.environ from the `env` mapping


def command_order(c: str) -> tuple:
    order = CLI_COMMANDS + list(EXPERIMENTAL)
    base, _, sub = c.partition(":")
    if sub:
        return (1, base, order.index(sub) if sub in order else 99)
    return (0, "", order.index(c) if c in order else 99)


class Generator:
    def __init__(self, args):
        self.args = args
        self.source = os.path.abspath(args.source)
        self.project = Project(self.source, self.source)
        self.descriptions = Descriptions(args.descriptions, args.transformers_descriptions)
        self.warnings: list[str] = []
        self.index: dict[str, tuple] = {}
        for d in CLASS_DIRS:
            folder = os.path.join(self.source, d)
            if not os.path.isdir(folder):
                die(f"{d} not found under {self.source}")
            for fname in sorted(os.listdir(folder)):
                if fname.endswith(".py"):
                    mod = self.project.load_file(os.path.join(folder, fname))
                    for name, cls in (mod.classes.items() if mod else []):
                        self.index.setdefault(name, (mod, cls))
        for mod, _cls in list(self.index.values()):
            self.redirect_trl_imports(mod)

    def redirect_trl_imports(self, mod) -> None:
        """`from trl import X` -> the module that defines X (trl/__init__.py is a lazy module)."""
        for local, (src, orig) in list(mod.imports.items()):
            if src == "trl" and orig in self.index:
                mod.imports[local] = (self.index[orig][0].name, orig)

    def trl_class(self, name: str):
        return self.index.get(name) or die(f"class {name} not found in {', '.join(CLASS_DIRS)}")

    def cli_classes(self, cmd: str) -> list[tuple]:
        mod = self.project.load(f"trl.scripts.{cmd}") or die(f"trl/scripts/{cmd}.py not found")
        self.redirect_trl_imports(mod)
        fn = mod.functions.get("make_parser") or die(f"{mod.rel}: make_parser not found")
        for node in ast.walk(fn):
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "dataclass_types" for t in node.targets):
                if isinstance(node.value, ast.Tuple):
                    return [self.trl_class(dotted(e) or "") for e in node.value.elts]
        die(f"{mod.rel}: make_parser has no dataclass_types tuple")
        return []

    # ---- collecting properties per command ----
    def collect(self, reader: DataclassReader, classes: list[tuple], commands: list[str], out: dict, project=None) -> None:
        for mod, cls in classes:
            info = reader.info(project or self.project, mod, cls)
            for f in info.fields.values():
                if not f.init:
                    continue
                p = reader.property(f)
                self.add(out, p, commands)

    @staticmethod
    def add(out: dict, p: Property, commands: list[str]) -> None:
        key = json.dumps({k: v for k, v in p.schema.items() if k != "default"}, sort_keys=True)
        variants = out.setdefault(p.name, {})
        if key not in variants:
            variants[key] = {"prop": p, "commands": set(), "defaults": set()}
        v = variants[key]
        v["commands"].update(commands)
        v["defaults"].add(json.dumps(p.schema.get("default", "<none>"), sort_keys=True))

    def merged(self, name: str, variants: dict) -> Property:
        vs = sorted(variants.values(), key=lambda v: min(command_order(c) for c in v["commands"]))
        first = vs[0]["prop"]
        commands = sorted(set().union(*(v["commands"] for v in vs)), key=command_order)
        defaults = set().union(*(v["defaults"] for v in vs))
        if len(vs) == 1:
            schema = dict(first.schema)
        else:
            schema = merge_union([{k: x for k, x in v["prop"].schema.items() if k != "default"} for v in vs])
            if len(defaults) == 1 and "default" in first.schema:
                schema["default"] = first.schema["default"]
        if len(defaults) > 1:
            schema.pop("default", None)
        notes = dict(first.notes)
        notes["x-lft-commands"] = commands
        if len(vs) > 1:
            notes["x-lft-sources"] = sorted({v["prop"].source for v in vs})
        return Property(name, schema, first.source, first.owner, first.info, notes)

    # ---- extension repos ----
    def extensions(self, reader_for, out: dict) -> list[dict]:
        recorded = []
        for spec in self.args.extension or []:
            m = re.fullmatch(r"([a-z0-9-]+)=(.+)@([0-9a-f]{7,40})", spec)
            if not m or m.group(1) not in EXTENSION_SCRIPTS:
                die(f"--extension {spec}: expected NAME=PATH@COMMIT with NAME in {', '.join(EXTENSION_SCRIPTS)}")
            name, path, commit = m.groups()
            root = os.path.abspath(path)
            src_root = os.path.join(root, "src")
            project = Project(root, src_root)
            reader = reader_for(project)
            for script, cmd in EXTENSION_SCRIPTS[name].items():
                full = os.path.join(root, script)
                if not os.path.isfile(full):
                    die(f"{name}: {script} not found")
                mod = project.load_file(full) if full.startswith(src_root) else self._load_script(project, full)
                classes = self.ext_parser_classes(project, mod)
                trl_parts, own = [], []
                for emod, ecls in classes:
                    if (emod, ecls) in self.index.values():  # a TRL class used as it is (ModelConfig)
                        trl_parts.append((emod, ecls))
                        continue
                    own.append((emod, ecls))
                    for _m, c in model_info(project, emod, ecls).mro:
                        for b in c.bases:
                            d = dotted(b) or ""
                            if d.startswith("trl."):
                                trl_parts.append(self.trl_class(d.split(".", 1)[1]))
                command = f"{name}:{cmd}"
                self.collect(self.trl_reader, trl_parts, [command], out)
                self.collect(reader, own, [command], out, project)
            recorded.append({"repo": EXTENSION_REPOS[name], "commit": commit, "scripts": sorted(EXTENSION_SCRIPTS[name])})
        return recorded

    @staticmethod
    def _load_script(project: Project, path: str):
        """A script outside src/ (alignment-handbook's scripts/*.py), loaded as a top-level module."""
        saved = project.src_root
        project.src_root = os.path.dirname(path)
        try:
            mod = project.load(os.path.splitext(os.path.basename(path))[0])
        finally:
            project.src_root = saved
        return mod

    def ext_parser_classes(self, project: Project, mod) -> list[tuple]:
        for node in ast.walk(mod.tree):
            if isinstance(node, ast.Call) and (dotted(node.func) or "").endswith("TrlParser") and node.args and isinstance(node.args[0], ast.Tuple):
                out = []
                for e in node.args[0].elts:
                    name = dotted(e) or ""
                    hit = project.resolve_expr(mod, e)
                    if hit and hit[0] == "class":
                        out.append((hit[1], hit[2]))
                    else:  # imported from trl
                        out.append(self.trl_class(name.split(".")[-1]))
                return out
        die(f"{mod.rel}: no TrlParser((...)) call")
        return []

    # ---- document ----
    def build(self) -> tuple[dict, list[str]]:
        tf = TransformersArgs(os.path.abspath(self.args.transformers), self.args.transformers_data)
        self.builder = SchemaBuilder(self.project, external=tf.external)
        self.trl_reader = DataclassReader(self.builder, ARGPARSE_DEFAULTS, tf.external)
        tf_builder = SchemaBuilder(tf.project, external=tf.external)
        tf_reader = DataclassReader(tf_builder, ARGPARSE_DEFAULTS, tf.external)
        out: dict = {}
        all_cli = CLI_COMMANDS + list(EXPERIMENTAL)
        tf_props = tf.properties(tf_reader)
        for p in tf_props:
            self.add(out, p, all_cli)
        per_command: dict[str, list[str]] = {}
        for cmd in CLI_COMMANDS:
            classes = self.cli_classes(cmd)
            per_command[cmd] = [c.name for _m, c in classes]
            self.collect(self.trl_reader, classes, [cmd], out)
        for cmd, (path, cls_name) in EXPERIMENTAL.items():
            mod = self.project.load_file(os.path.join(self.source, path)) or die(f"{path} not found")
            cls = mod.classes.get(cls_name) or die(f"{path}: {cls_name} not found")
            classes = [self.trl_class(n) for n in EXPERIMENTAL_WITH] + [(mod, cls)]
            per_command[cmd] = [c.name for _m, c in classes]
            self.collect(self.trl_reader, classes, [cmd], out)
        ext_builders: list[SchemaBuilder] = []

        def reader_for(project):
            b = SchemaBuilder(project, external=tf.external)
            ext_builders.append(b)
            return DataclassReader(b, ARGPARSE_DEFAULTS, tf.external)

        extensions = self.extensions(reader_for, out)
        ext_commands = sorted({c for v in out.values() for x in v.values() for c in x["commands"] if ":" in c}, key=command_order)
        props = {name: self.merged(name, variants) for name, variants in out.items()}
        # the transformers fields are read by every command, the extension scripts' parsers included
        for p in tf_props:
            props[p.name].notes["x-lft-commands"] = sorted(set(props[p.name].notes["x-lft-commands"]) | set(ext_commands), key=command_order)

        n_dataclass = len(props)
        for p in tf.v4_properties(ARGPARSE_DEFAULTS, "TRL"):
            if p.name not in props:
                p.notes["x-lft-commands"] = all_cli + ext_commands
                props[p.name] = p
        for name, d in LEGACY.items():
            if name in props:
                die(f"{name} is a current field again; drop it from LEGACY")
            like = props.get(d.get("like", ""))
            schema = {k: v for k, v in like.schema.items() if k != "default"} if like else dict(d["schema"])
            notes = {"deprecated": True, "x-lft-note": d["note"], "x-lft-commands": d.get("commands", all_cli) + ext_commands}
            if d.get("replacement"):
                notes["x-lft-replacement"] = d["replacement"]
            props[name] = Property(name, schema, f"{GENERATOR} LEGACY.{name}", "legacy", None, notes)

        # env: mapping and the accelerate launch flags the trl CLI forwards
        props["env"] = Property(
            "env",
            {"type": "object", "additionalProperties": {"type": ["string", "number", "boolean", "null"]}},
            f"{ENV_SOURCE}:{self._line(ENV_SOURCE, ENV_MARKER)}",
            "TrlParser",
            None,
            {"x-lft-commands": all_cli + ext_commands},
        )
        acc = Project(os.path.abspath(self.args.accelerate), os.path.join(os.path.abspath(self.args.accelerate), "src"))
        launch = acc.load("accelerate.commands.launch") or die("accelerate src/accelerate/commands/launch.py not found")
        flags = argparse_flags(acc, launch, "launch_command_parser")
        n_flags = 0
        for flag in flags:
            if flag.dest in props or flag.dest in ("help",):
                continue
            n_flags += 1
            props[flag.dest] = Property(
                flag.dest,
                flag_schema(flag),
                f"{launch.rel}:{flag.line}",
                "accelerate launch",
                None,
                {"x-lft-commands": list(CLI_COMMANDS), "x-lft-forwarded-to": "accelerate launch"},
            )
        props["accelerate_config"] = Property(
            "accelerate_config",
            {"type": "string"},
            f"trl/cli/accelerate_config.py:{self._line('trl/cli/accelerate_config.py', 'def resolve_accelerate_config_argument')}",
            "trl CLI",
            None,
            {
                "x-lft-commands": list(CLI_COMMANDS),
                "x-lft-forwarded-to": "accelerate launch --config_file",
                "x-lft-known-names": sorted(os.path.splitext(f)[0] for f in os.listdir(os.path.join(self.source, "trl", "accelerate_configs")) if f.endswith(".yaml")),
            },
        )
        definitions = dict(self.builder.definitions)
        for b in [tf_builder] + ext_builders:
            for k, v in b.definitions.items():
                definitions.setdefault(k, v)
        properties = {name: finish_property(p, self.describe(p)) for name, p in props.items()}
        counts = {
            "transformers_fields": len(tf_props),
            "dataclass_keys": n_dataclass,
            "forwarded_launch_flags": n_flags + 1,
            "deprecated_keys": sum(1 for p in props.values() if p.notes.get("deprecated")),
        }
        for cmd in CLI_COMMANDS + list(EXPERIMENTAL):
            counts[f"keys_{cmd}"] = sum(1 for p in props.values() if cmd in p.notes["x-lft-commands"] and not p.notes.get("deprecated") and "x-lft-forwarded-to" not in p.notes)
        doc = document(
            schema_id="trl",
            title="TRL / Hugging Face Trainer config",
            description="A `trl <command> --config x.yaml` file (also the recipes of alignment-handbook and open-r1): TrainingArguments, the command's TRL config, ModelConfig, script and dataset keys, `env`, and accelerate launch options.",
            comment=(
                f"Generated by {GENERATOR} from {REPO}@{self.args.commit}, huggingface/transformers@{self.args.transformers_commit} "
                f"(src/transformers/training_args.py) and huggingface/accelerate@{self.args.accelerate_commit} (launch flags), read "
                "with ast; nothing was imported. Do not edit by hand: rerun the generator. TrlParser makes each value an argparse "
                "default: keys no dataclass declares are forwarded to `accelerate launch` by the trl CLI, which refuses unknown "
                "ones, hence additionalProperties: false. String values are converted with the option's type (numeric strings, "
                "yes/no), so those spellings are accepted. x-lft-commands says which commands read a key. Older spellings "
                "(torch_dtype, max_seq_length, max_prompt_length, transformers v4 fields) are deprecated, not refused, because "
                "recipes pinned to older versions use them. Descriptions are our own words."
            ),
            upstream={
                "repo": REPO,
                "commit": self.args.commit,
                "generator": GENERATOR,
                "root": "trl/scripts/<command>.py make_parser dataclass_types",
                "commands": per_command,
                "transformers": {"repo": "huggingface/transformers", "commit": self.args.transformers_commit, "path": "src/transformers/training_args.py"},
                "accelerate": {"repo": "huggingface/accelerate", "commit": self.args.accelerate_commit, "path": launch.rel},
                "extensions": extensions,
            },
            properties=properties,
            definitions=definitions,
            counts=counts,
        )
        unused = self.descriptions.unused()
        if unused:
            self.warnings.append("descriptions not used (no such key): " + ", ".join(unused))
        return doc, self.warnings

    def _line(self, rel: str, text: str) -> int:
        path = os.path.join(self.source, rel)
        with open(path, encoding="utf-8") as fh:
            for i, line in enumerate(fh, 1):
                if text in line:
                    return i
        die(f"{rel}: '{text}' not found")
        return 0

    def describe(self, p: Property) -> str:
        text = self.descriptions.get(p.name)
        if text:
            return text
        where = p.source.replace(":", " line ") if ":" in p.source else p.source
        if p.notes.get("deprecated"):
            r = p.notes.get("x-lft-replacement")
            return (f"Deprecated: write `{r}` instead" if r else "Deprecated option of older versions") + f"; still accepted here ({where})."
        if "x-lft-forwarded-to" in p.notes:
            return f"Passed by the trl CLI to `accelerate launch` as `--{p.name}` (`{where}`)."
        cmds = p.notes["x-lft-commands"]
        if p.owner == "TrainingArguments" and "transformers" in p.source:
            return f"Hugging Face Trainer option, read by every command (`{where}`)."
        return f"`{p.owner}` option, read by {', '.join(cmds)} (`{where}`)."


def add_arguments(ap) -> None:
    ap.add_argument("--source", required=True, help="TRL checkout (folder that holds trl/)")
    ap.add_argument("--commit", required=True)
    ap.add_argument("--transformers", required=True, help="transformers checkout, or a folder with src/transformers/training_args.py")
    ap.add_argument("--transformers-commit", required=True)
    ap.add_argument("--transformers-data", default=os.path.join(HERE, "transformers-training-args.json"))
    ap.add_argument("--transformers-descriptions", default=os.path.join(HERE, "transformers-descriptions.json"))
    ap.add_argument("--accelerate", required=True, help="accelerate checkout (folder that holds src/accelerate)")
    ap.add_argument("--accelerate-commit", required=True)
    ap.add_argument("--extension", action="append", help="NAME=PATH@COMMIT for alignment-handbook / open-r1 (repeatable)")
    ap.add_argument("--descriptions", default=os.path.join(HERE, "trl-descriptions.json"))


def main(argv=None) -> int:
    return run(__doc__, lambda args: Generator(args).build(), add_arguments, argv)


if __name__ == "__main__":
    sys.exit(main())
