#!/usr/bin/env python3
"""Generate schemas/accelerate.schema.json: an accelerate config YAML (`accelerate launch --config_file x.yaml`),
read with ``ast`` from src/accelerate/commands/config/config_args.py (BaseConfig, ClusterConfig, SageMakerConfig)
and src/accelerate/commands/launch.py (the flags each sub-block's keys are copied onto).

Usage:
    python3 scripts/schemas/generate_accelerate_schema.py --source path/to/accelerate --commit SHA \
        -o schemas/accelerate.schema.json

See scripts/schemas/README.md.
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
    Flag,
    Property,
    argparse_flags,
    die,
    document,
    finish_property,
    flag_schema,
    run,
)
from pyast_schema import Project, SchemaBuilder, merge_union, order_keys  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
GENERATOR = "scripts/schemas/generate_accelerate_schema.py"
REPO = "huggingface/accelerate"
CONFIG_MODULE = "accelerate.commands.config.config_args"
LAUNCH_MODULE = "accelerate.commands.launch"
# ClusterConfig dict fields -> the launch.py argument group whose flags its keys become, and the prefix that
# _validate_launch_command adds to a key that lacks it (None: keys are copied as written).
SUB_BLOCKS = {
    "fsdp_config": ("fsdp_args", "fsdp_"),
    "deepspeed_config": ("deepspeed_args", None),
    "parallelism_config": ("parallelism_config_args", None),
    "fp8_config": ("fp8_args", "fp8_"),
    "megatron_lm_config": ("megatron_lm_args", None),
    "dynamo_config": ("resource_args", "dynamo_"),
    "mpirun_config": ("mpirun_args", None),
}
# Keys BaseConfig.process_config still converts (then deletes or pops): accepted with a warning.
LEGACY = {
    "fp16": {"schema": {"type": ["boolean", "null"]}, "replacement": "mixed_precision", "replacement_value": "fp16"},
    "dynamo_backend": {"schema": {"type": ["string", "null"]}, "replacement": "dynamo_config"},
}
# Where a YAML 1.1 loader (accelerate uses yaml.safe_load) turns an unquoted NO/no into false.
FALSE_FOR_NO = ("distributed_type", "mixed_precision", "downcast_bf16")


def legacy_keys_in(mod, fn_name: str) -> dict[str, int]:
    """Keys ``process_config`` removes after converting them: ``del config_dict["k"]`` / ``config_dict.pop("k")``."""
    cls = mod.classes.get("BaseConfig") or die(f"{mod.rel}: BaseConfig not found")
    fn = next((i for i in cls.body if isinstance(i, ast.FunctionDef) and i.name == fn_name), None) or die(f"{mod.rel}: BaseConfig.{fn_name} not found")
    out = {}
    for node in ast.walk(fn):
        if isinstance(node, ast.Delete):
            for t in node.targets:
                if isinstance(t, ast.Subscript) and isinstance(t.slice, ast.Constant):
                    out[t.slice.value] = node.lineno
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "pop" and node.args:
            if isinstance(node.args[0], ast.Constant):
                out[node.args[0].value] = node.lineno
    return out


def unknown_keys_refused(mod) -> int:
    """Line of the ``extra_keys`` check in BaseConfig.from_yaml_file (accelerate raises on unknown keys)."""
    cls = mod.classes["BaseConfig"]
    fn = next((i for i in cls.body if isinstance(i, ast.FunctionDef) and i.name == "from_yaml_file"), None) or die(f"{mod.rel}: from_yaml_file not found")
    for node in ast.walk(fn):
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "extra_keys" for t in node.targets):
            return node.lineno
    die(f"{mod.rel}: from_yaml_file no longer checks extra_keys")
    return 0


def config_flag_schema(flag: Flag) -> dict:
    """A sub-block value is copied onto the parsed args without argparse's checks, so a choice list also
    admits the other letter case (consumers upper() or lower() it)."""
    s = flag_schema(flag)
    if "enum" in s:
        values = list(s["enum"])
        for v in list(values):
            if isinstance(v, str):
                for w in (v.upper(), v.lower()):
                    if w not in values:
                        values.append(w)
        s["enum"] = values
    return s


class Generator:
    def __init__(self, args):
        self.args = args
        self.source = os.path.abspath(args.source)
        self.project = Project(self.source, os.path.join(self.source, "src"))
        self.descriptions = Descriptions(args.descriptions)
        self.warnings: list[str] = []

    def describe(self, key: str, prop: Property, block: str | None = None) -> str:
        text = self.descriptions.get(f"{block}.{key}" if block else key)
        if text:
            return text
        where = prop.source.replace(":", "` line ", 1)
        if prop.notes.get("deprecated"):
            return f"Old key, still converted by accelerate: write `{prop.notes['x-lft-replacement']}` instead (`{where})."
        if prop.notes.get("x-lft-alias-of"):
            return f"Same as `{prop.notes['x-lft-alias-of']}` (accelerate adds the prefix; `{where})."
        if block:
            return f"Copied onto `accelerate launch --{prop.notes.get('x-lft-flag', key)}` (`{where})."
        if prop.owner == "SageMakerConfig":
            return f"SageMaker option, read when `compute_environment: AMAZON_SAGEMAKER` (`{where})."
        return f"accelerate config option (`{where}`, `{prop.owner}`)."

    def sub_block(self, name: str, group: str, prefix: str | None, flags: list[Flag], launch_rel: str) -> dict:
        props: dict[str, dict] = {}
        mine = [f for f in flags if f.group == group and (name != "dynamo_config" or f.dest.startswith("dynamo_"))]
        if not mine:
            die(f"{launch_rel}: argument group {group} has no flags")
        for f in mine:
            p = Property(f.dest, config_flag_schema(f), f"{launch_rel}:{f.line}", group, None, {"x-lft-flag": f.dest})
            props[f.dest] = finish_property(p, self.describe(f.dest, p, name))
            if prefix and f.dest.startswith(prefix):
                short = f.dest[len(prefix):]
                a = Property(short, config_flag_schema(f), p.source, group, None, {"x-lft-alias-of": f.dest, "x-lft-flag": f.dest})
                props[short] = finish_property(a, self.describe(short, a, name))
        block = {
            "type": ["object", "null"],
            "description": self.descriptions.get(name) or f"Keys copied onto `accelerate launch` flags (`{launch_rel}` group {group}).",
            "properties": dict(sorted(props.items())),
            "x-lft-extra": "ignore",
            "x-lft-source": f"{launch_rel}:{mine[0].line}",
        }
        return order_keys(block)

    def build(self) -> tuple[dict, list[str]]:
        mod = self.project.load(CONFIG_MODULE) or die(f"{CONFIG_MODULE} not found")
        launch = self.project.load(LAUNCH_MODULE) or die(f"{LAUNCH_MODULE} not found")
        builder = SchemaBuilder(self.project)
        reader = DataclassReader(builder, PARSE_DICT)
        flags = argparse_flags(self.project, launch, "launch_command_parser")
        by_dest = {f.dest: f for f in flags}
        refused_line = unknown_keys_refused(mod)
        props: dict[str, Property] = {}
        for cls_name in ("ClusterConfig", "SageMakerConfig"):
            cls = mod.classes.get(cls_name) or die(f"{mod.rel}: {cls_name} not found")
            for f in reader.info(self.project, mod, cls).fields.values():
                if f.name in props:
                    continue
                p = reader.property(f)
                if f.name in SUB_BLOCKS:
                    group, prefix = SUB_BLOCKS[f.name]
                    p.schema = self.sub_block(f.name, group, prefix, flags, launch.rel)
                elif f.name == "mixed_precision":
                    choices = by_dest["mixed_precision"].choices or die(f"{launch.rel}: --mixed_precision has no choices")
                    p.schema = {"enum": list(choices) + [None]}
                if f.name in FALSE_FOR_NO:
                    p.schema = merge_union([{k: v for k, v in p.schema.items() if k != "default"}, {"enum": [False]}]) | (
                        {"default": p.schema["default"]} if "default" in p.schema else {}
                    )
                    p.notes["x-lft-note"] = "An unquoted NO/no is read as false by YAML 1.1 loaders such as PyYAML, which accelerate uses."
                if cls_name == "SageMakerConfig":
                    p.notes["x-lft-compute-environment"] = "AMAZON_SAGEMAKER"
                props[f.name] = p
        legacy = legacy_keys_in(mod, "process_config")
        for key, d in LEGACY.items():
            if key not in legacy:
                die(f"{mod.rel}: process_config no longer converts `{key}`")
            props[key] = Property(
                key,
                dict(d["schema"]),
                f"{mod.rel}:{legacy[key]}",
                "BaseConfig.process_config",
                None,
                {"deprecated": True, "x-lft-replacement": d["replacement"], **({"x-lft-replacement-value": d["replacement_value"]} if "replacement_value" in d else {})},
            )
        properties = {k: finish_property(p, self.describe(k, p)) for k, p in props.items()}
        unused = self.descriptions.unused()
        if unused:
            self.warnings.append("descriptions not used (no such key): " + ", ".join(unused))
        return (
            document(
                schema_id="accelerate",
                title="accelerate config",
                description="An accelerate config YAML (`accelerate launch --config_file x.yaml`, default ~/.cache/huggingface/accelerate/default_config.yaml): process count, machines, mixed precision and the FSDP, DeepSpeed, parallelism, FP8 and Megatron-LM blocks.",
                comment=(
                    f"Generated by {GENERATOR} from {REPO}@{self.args.commit} (src/accelerate/commands/config/config_args.py "
                    "and src/accelerate/commands/launch.py), read with ast; nothing was imported. Do not edit by hand: rerun "
                    f"the generator. BaseConfig.from_yaml_file raises on unknown top-level keys ({mod.rel} line {refused_line}), "
                    "hence additionalProperties: false. Sub-block keys are copied onto the launch arguments without argparse's "
                    "checks (unknown ones are ignored: x-lft-extra) and reach the training process as environment strings, so "
                    "a flag of type str takes any scalar. Descriptions are our own words."
                ),
                upstream={
                    "repo": REPO,
                    "commit": self.args.commit,
                    "generator": GENERATOR,
                    "root": f"{mod.rel} ClusterConfig, SageMakerConfig; {launch.rel} launch_command_parser",
                    "unknown_keys_refused": f"{mod.rel}:{refused_line}",
                },
                properties=properties,
                definitions=builder.definitions,
                counts={
                    "cluster_fields": sum(1 for p in props.values() if p.owner in ("BaseConfig", "ClusterConfig")),
                    "sagemaker_only_fields": sum(1 for p in props.values() if p.owner == "SageMakerConfig"),
                    "launch_flags": len(flags),
                },
            ),
            self.warnings,
        )


def add_arguments(ap) -> None:
    ap.add_argument("--source", required=True, help="accelerate checkout (folder that holds src/accelerate)")
    ap.add_argument("--commit", required=True)
    ap.add_argument("--descriptions", default=os.path.join(HERE, "accelerate-descriptions.json"))


def main(argv=None) -> int:
    return run(__doc__, lambda args: Generator(args).build(), add_arguments, argv)


if __name__ == "__main__":
    sys.exit(main())
