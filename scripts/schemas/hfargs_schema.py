"""Schemas for configs read through HfArgumentParser dataclasses or argparse flags, read with ``ast``.

Shared by generate_llamafactory_schema.py, generate_trl_schema.py and generate_accelerate_schema.py (the dataclass
fields themselves are read by pyast_schema.model_info). Python 3.11 standard library only; nothing upstream is
imported.

How the values of a YAML config reach a dataclass decides how lenient a property is (``Leniency``):

* LLaMA-Factory: OmegaConf loads the file, ``HfArgumentParser.parse_dict`` passes the values to the dataclass
  unconverted. Only YAML 1.1 spellings differ from our YAML 1.2 reading (``yes``/``on`` are booleans there).
* TRL (``TrlParser``): each value becomes an argparse default; argparse converts string defaults with the option's
  ``type`` (``float("5e-5")``, ``string_to_bool("yes")``, a bare string for a list option) and leaves other values as
  they are.
"""

from __future__ import annotations

import ast
import json
import os
import re
import sys
from dataclasses import dataclass, field
from typing import Any, Callable

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from pyast_schema import (  # noqa: E402
    FLOAT_STRING_PATTERN,
    NOT_LITERAL,
    FieldInfo,
    GeneratorError,
    ModelInfo,
    Project,
    SchemaBuilder,
    add_null,
    allows_null,
    call_name,
    dump,
    first_sentence_mentions,
    is_enum_class,
    jsonable,
    literal,
    merge_union,
    model_info,
    order_keys,
)

# YAML 1.1 booleans (PyYAML, OmegaConf) that a YAML 1.2 reader keeps as strings.
YAML11_BOOL_PATTERN = "^(y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$"
# What transformers' string_to_bool accepts for a quoted value (case-insensitive yes/no/true/false/t/f/y/n/1/0).
STRING_TO_BOOL_PATTERN = "^([Yy]([Ee][Ss])?|[Nn][Oo]?|[Tt]([Rr][Uu][Ee])?|[Ff]([Aa][Ll][Ss][Ee])?|1|0|on|On|ON|off|Off|OFF)$"
INT_STRING_PATTERN = r"^\s*[+-]?\d+\s*$"
# A help text that says the field is on its way out ("This argument is deprecated ...", "Deprecated. Use ...").
DEPRECATED_HELP = re.compile(r"^\s*(This argument is deprecated|Deprecated\b)")

# Fields transformers v5 deprecates whose replacement does not work on transformers 4.x, which LLaMA-Factory
# (transformers>=4.55.0,<=5.8.0) and TRL (transformers>=4.56.2) still support: not marked deprecated, since the
# advice "write the replacement" would break a 4.x run (there `warmup_steps` is an integer step count).
CURRENT_IN_TRANSFORMERS_4 = {
    "warmup_ratio": "transformers v5 deprecates it for a `warmup_steps` below 1 (still read); on transformers 4.x, "
    "which LLaMA-Factory and TRL also support, it is the only way to give the warmup as a fraction, so it is not flagged.",
}


def die(msg: str) -> None:
    raise GeneratorError(msg)


@dataclass(frozen=True)
class Leniency:
    """Which non-JSON spellings of a value upstream still accepts."""

    name: str
    numeric_strings: bool  # "5e-5" for a float, "8" for an int (argparse type conversion)
    bool_pattern: str  # strings that are booleans upstream
    string_for_list: bool  # a single string where a list is annotated (argparse default of a nargs option)


PARSE_DICT = Leniency("parse_dict", numeric_strings=False, bool_pattern=YAML11_BOOL_PATTERN, string_for_list=False)
ARGPARSE_DEFAULTS = Leniency("argparse_defaults", numeric_strings=True, bool_pattern=STRING_TO_BOOL_PATTERN, string_for_list=True)


def _types(s: dict) -> list[str]:
    t = s.get("type")
    return list(t) if isinstance(t, list) else [t] if isinstance(t, str) else []


def widen(schema: dict, leniency: Leniency) -> dict:
    """Add the string spellings upstream converts (numbers, booleans, one string for a list)."""
    if "anyOf" in schema:
        return dict(schema, anyOf=[widen(s, leniency) for s in schema["anyOf"]])
    if "$ref" in schema or "enum" in schema:
        if "enum" in schema and set(schema.get("enum", [])) <= {True, False, None} and True in schema["enum"]:
            return _with_string(schema, leniency.bool_pattern)
        return schema
    types = _types(schema)
    if not types or "string" in types:
        return schema
    if "boolean" in types:
        return _with_string(schema, leniency.bool_pattern)
    if leniency.numeric_strings and "number" in types:
        return _with_string(schema, FLOAT_STRING_PATTERN)
    if leniency.numeric_strings and "integer" in types:
        return _with_string(schema, INT_STRING_PATTERN)
    if leniency.string_for_list and "array" in types:
        return {"anyOf": [schema, {"type": "string"}]}
    return schema


def _with_string(schema: dict, pattern: str) -> dict:
    return {"anyOf": [schema, {"type": "string", "pattern": pattern}]}


# --------------------------------------------------------------------------------------------
# Dataclass fields -> property schemas
# --------------------------------------------------------------------------------------------


@dataclass
class Property:
    """One settable key: its schema and where it comes from."""

    name: str
    schema: dict
    source: str
    owner: str
    info: FieldInfo | None = None
    notes: dict[str, Any] = field(default_factory=dict)  # x-lft-* additions


def post_init_self_calls(cls: ast.ClassDef):
    """(attribute, call, line) for each ``self.x = <call>(...)`` statement in ``__post_init__``."""
    for item in cls.body:
        if isinstance(item, ast.FunctionDef) and item.name == "__post_init__":
            for node in ast.walk(item):
                if (
                    isinstance(node, ast.Assign)
                    and len(node.targets) == 1
                    and isinstance(node.targets[0], ast.Attribute)
                    and isinstance(node.value, ast.Call)
                ):
                    yield node.targets[0].attr, node.value, node.lineno


def enum_conversions(cls: ast.ClassDef) -> dict[str, list[str]]:
    """field -> class names of the ``self.x = EnumClass(self.x)`` statements in ``__post_init__``."""
    out: dict[str, list[str]] = {}
    for attr, call, _line in post_init_self_calls(cls):
        arg = call.args[0] if len(call.args) == 1 else None
        if isinstance(arg, ast.Attribute) and arg.attr == attr and isinstance(call.func, ast.Name):
            out.setdefault(attr, []).append(call.func.id)
    return out


def bool_mappings(cls: ast.ClassDef) -> dict[str, int]:
    """field -> line for ``self.x = {True: ..., False: ...}.get(self.x, self.x)`` in ``__post_init__`` (a boolean is
    mapped to one of the field's values, so a boolean is accepted too)."""
    out: dict[str, int] = {}
    for attr, call, line in post_init_self_calls(cls):
        f = call.func
        if isinstance(f, ast.Attribute) and f.attr == "get" and isinstance(f.value, ast.Dict):
            if {k.value for k in f.value.keys if isinstance(k, ast.Constant)} == {True, False}:
                out[attr] = line
    return out


class DataclassReader:
    """Turns dataclass fields into property schemas with one ``Leniency``."""

    def __init__(self, builder: SchemaBuilder, leniency: Leniency, external_enums: dict[str, dict] | None = None):
        self.builder = builder
        self.leniency = leniency
        self.external_enums = external_enums or {}
        self.enum_only: dict[tuple[str, str], list[str]] = {}  # (owner class, field) -> enum class names
        self.bool_mapped: dict[tuple[str, str], str] = {}  # (owner class, field) -> path:line of the mapping

    def info(self, project: Project, mod, cls: ast.ClassDef) -> ModelInfo:
        info = model_info(project, mod, cls)
        for m, c in info.mro:
            for fname, enums in enum_conversions(c).items():
                for enum in enums:
                    hit = project.resolve(m, enum)
                    if enum in self.external_enums or (hit and hit[0] == "class" and is_enum_class(project, hit[1], hit[2])):
                        self.enum_only.setdefault((c.name, fname), []).append(enum)
            for fname, line in bool_mappings(c).items():
                for f in info.fields.values():
                    if f.name == fname:
                        self.bool_mapped[(f.owner, fname)] = f"{m.rel}:{line}"
        return info

    def annotation_schema(self, f: FieldInfo) -> dict:
        enums = self.enum_only.get((f.owner, f.name))
        if enums:
            base = merge_union([self._enum_ref(f, e) for e in enums])
            return add_null(base) if allows_null(self.builder.annotation(f.module, f.annotation)) else base
        s = self.builder.annotation(f.module, f.annotation)
        choices = f.metadata.get("choices")
        if isinstance(choices, list) and choices:
            s = {"enum": list(choices) + ([None] if allows_null(s) else [])}
            s = merge_union([s])
        return s

    def _enum_ref(self, f: FieldInfo, enum: str) -> dict:
        hit = self.builder.project.resolve(f.module, enum)
        if hit and hit[0] == "class":
            return self.builder.ref_for_class(hit[1], hit[2])
        if enum in self.external_enums:
            if enum not in self.builder.definitions:
                self.builder.definitions[enum] = dict(self.external_enums[enum])
            return {"$ref": f"#/definitions/{enum}"}
        die(f"{f.module.rel}:{f.line}: {f.name} is converted with {enum}(), whose values are unknown")
        return {}

    def property(self, f: FieldInfo) -> Property:
        s = self.annotation_schema(f)
        notes: dict[str, Any] = {}
        if (f.owner, f.name) in self.bool_mapped:
            s = merge_union([s, {"type": "boolean"}])
            notes["x-lft-note"] = f"A boolean is mapped to a value ({self.bool_mapped[(f.owner, f.name)]})."
        help_text = f.metadata.get("help")
        if f.name in CURRENT_IN_TRANSFORMERS_4:
            # Deprecated by the v5 line, but the only spelling on the 4.x line the frameworks also support.
            notes["x-lft-note"] = CURRENT_IN_TRANSFORMERS_4[f.name]
        elif isinstance(help_text, str) and DEPRECATED_HELP.match(help_text):
            notes["deprecated"] = True
            mentions = [m for m in first_sentence_mentions(help_text) if m != f.name]
            if mentions:
                notes["x-lft-replacement"] = mentions[0]
            notes["x-lft-note"] = f"Marked deprecated by its upstream help text ({f.module.rel}:{f.line})."
        if f.default is None and not f.required:  # the dataclass default: HfArgumentParser passes it through
            s = add_null(s)
        s = dict(widen(s, self.leniency))
        default = jsonable(f.default)
        if default is not NOT_LITERAL and not f.required:
            s["default"] = default
        return Property(f.name, s, f"{f.module.rel}:{f.line}", f.owner, f, notes)


def removed_init_false(prop: Property, message: str) -> Property:
    """An ``init=False`` field: HfArgumentParser.parse_dict does not consume it, so the key is refused."""
    s = {"enum": [None]}
    return Property(prop.name, s, prop.source, prop.owner, prop.info, dict(prop.notes, **{"x-lft-removed": message}))


# --------------------------------------------------------------------------------------------
# argparse flags (accelerate launch)
# --------------------------------------------------------------------------------------------


@dataclass
class Flag:
    dest: str
    group: str
    line: int
    type: str | None  # "int", "float", "str", "bool", "str_to_bool", other expression text, or None
    action: str | None
    choices: list | None
    default: Any


def argparse_flags(project: Project, mod, function: str) -> list[Flag]:
    """The ``add_argument`` calls of ``function`` in ``mod``: dest, group variable, type, action, choices."""
    fn = mod.functions.get(function) or die(f"{mod.rel}: {function} not found")
    out = []
    for node in ast.walk(fn):
        if not (isinstance(node, ast.Call) and call_name(node) == "add_argument" and isinstance(node.func, ast.Attribute)):
            continue
        names = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
        longs = [n for n in names if n.startswith("--")]
        if not longs:
            continue
        kw = {k.arg: k.value for k in node.keywords if k.arg}
        dest = literal(project, mod, kw["dest"]) if "dest" in kw else longs[0][2:].replace("-", "_")
        action = literal(project, mod, kw["action"]) if "action" in kw else None
        choices = None
        if "choices" in kw:
            v = literal(project, mod, kw["choices"])
            choices = v if isinstance(v, list) else None
            if choices is None:
                choices = _list_expr(project, mod, kw["choices"])
        type_ = ast.unparse(kw["type"]) if "type" in kw else None
        default = literal(project, mod, kw["default"]) if "default" in kw else None
        out.append(Flag(dest, ast.unparse(node.func.value), node.lineno, type_, action, choices, default))
    out.sort(key=lambda f: f.line)
    return out


def _list_expr(project: Project, mod, node: ast.AST) -> list | None:
    """``['no'] + [b.lower() for b in NAMES]`` and similar: list literals, constant lists, lowered comprehensions."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        a, b = _list_expr(project, mod, node.left), _list_expr(project, mod, node.right)
        return a + b if a is not None and b is not None else None
    if isinstance(node, ast.ListComp) and len(node.generators) == 1:
        src = literal(project, mod, node.generators[0].iter)
        elt = node.elt
        if isinstance(src, list) and isinstance(elt, ast.Call) and isinstance(elt.func, ast.Attribute) and elt.func.attr == "lower":
            return [str(x).lower() for x in src]
        return None
    v = literal(project, mod, node)
    return v if isinstance(v, list) else None


SCALAR = {"type": ["string", "boolean", "number", "null"]}


def flag_schema(flag: Flag) -> dict:
    """A config-file value for a launch flag: accelerate copies it onto the parsed args without conversion and
    later writes it into the environment with str(), so a str option takes any scalar."""
    if flag.action in ("store_true", "store_false"):
        return {"type": ["boolean", "null"]}
    if flag.action == "append":
        return {"type": ["array", "string", "null"], "items": {"type": "string"}}
    if flag.choices:
        values: list = list(flag.choices)
        for c in flag.choices:  # str(2) == "2": an int in the file passes a ["1", "2"] check
            if isinstance(c, str) and re.fullmatch(r"\d+", c) and int(c) not in values:
                values.append(int(c))
        return {"enum": values + [None]}
    if flag.type == "int":
        return {"type": ["integer", "string", "null"], "pattern": INT_STRING_PATTERN}
    if flag.type == "float":
        return {"type": ["number", "string", "null"], "pattern": FLOAT_STRING_PATTERN}
    if flag.type in ("bool", "str_to_bool"):
        return {"anyOf": [{"type": ["boolean", "null"]}, {"type": "string", "pattern": STRING_TO_BOOL_PATTERN}]}
    if flag.type not in (None, "str"):  # a parsing function (e.g. a comma-separated tuple): its result is used as is
        return {}
    return dict(SCALAR)


# --------------------------------------------------------------------------------------------
# Descriptions and the document
# --------------------------------------------------------------------------------------------


class Descriptions:
    """Hand-written hover texts from a JSON file; remembers which were used (``--strict`` fails on unused ones)."""

    def __init__(self, path: str, *shared: str):
        """``path`` first; a ``shared`` file (transformers-descriptions.json) fills keys it lacks."""
        self.texts: dict[str, str] = {}
        for p in reversed((path,) + shared):
            with open(p, encoding="utf-8") as fh:
                self.texts.update(json.load(fh))
        self.texts.pop("$comment", None)
        self.used: set[str] = set()

    def get(self, key: str) -> str | None:
        if key in self.texts:
            self.used.add(key)
            return self.texts[key]
        return None

    def unused(self) -> list[str]:
        return sorted(set(self.texts) - self.used)


def finish_property(prop: Property, description: str) -> dict:
    s = dict(prop.schema)
    s["description"] = description
    s.update(prop.notes)
    s["x-lft-source"] = prop.source
    return order_keys(s)


def document(
    *,
    schema_id: str,
    title: str,
    description: str,
    comment: str,
    upstream: dict,
    properties: dict[str, dict],
    definitions: dict[str, dict],
    counts: dict[str, int],
    additional: bool = False,
    extra: dict | None = None,
) -> dict:
    doc = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": f"https://lspfinetune.dev/schemas/{schema_id}.schema.json",
        "$comment": comment,
        "title": title,
        "description": description,
        "x-lft-upstream": upstream,
        "type": "object",
        "properties": dict(sorted(properties.items())),
        "additionalProperties": additional,
    }
    doc["x-lft-counts"] = dict(counts, properties=len(properties))
    if extra:
        doc.update(extra)
    doc["definitions"] = dict(sorted(definitions.items()))
    return doc


def run(
    description: str,
    build: Callable[[Any], tuple[dict, list[str]]],
    add_arguments: Callable[[Any], None],
    argv=None,
) -> int:
    """Command-line driver shared by the generators: parse, build, report warnings, write."""
    import argparse

    ap = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments(ap)
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("--strict", action="store_true", help="fail on warnings")
    args = ap.parse_args(argv)
    for name, v in vars(args).items():
        if name.endswith("commit") and v is not None and not re.fullmatch(r"[0-9a-f]{7,40}", v):
            ap.error(f"--{name.replace('_', '-')} must be a hex commit id")
    try:
        doc, warnings = build(args)
    except GeneratorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for w in warnings:
        print(f"warning: {w}", file=sys.stderr)
    if args.strict and warnings:
        return 1
    dump(doc, args.output)
    c = doc["x-lft-counts"]
    print(f"wrote {args.output}: {c['properties']} top-level properties, {len(doc['definitions'])} definitions", file=sys.stderr)
    return 0


# --------------------------------------------------------------------------------------------
# transformers TrainingArguments (one file of the transformers tree)
# --------------------------------------------------------------------------------------------

TRANSFORMERS_REPO = "huggingface/transformers"
TRANSFORMERS_FILE = "src/transformers/training_args.py"


class TransformersArgs:
    """``TrainingArguments`` read from a transformers checkout (only src/transformers/training_args.py is needed)
    plus scripts/schemas/transformers-training-args.json (enum values, log levels, Seq2Seq and v4-only fields)."""

    def __init__(self, source: str, data_path: str):
        self.project = Project(source, os.path.join(source, "src"))
        self.module = self.project.load("transformers.training_args") or die(f"{TRANSFORMERS_FILE} not found under {source}")
        self.cls = self.module.classes.get("TrainingArguments") or die(f"{TRANSFORMERS_FILE}: class TrainingArguments not found")
        with open(data_path, encoding="utf-8") as fh:
            self.data = json.load(fh)
        self.data_rel = "scripts/schemas/" + os.path.basename(data_path)
        names = self.optimizer_names()
        self.external = {
            name: {"type": "string", "enum": list(values), "x-lft-source": f"{self.data_rel} enums.{name}"}
            for name, values in self.data["enums"].items()
        }
        self.external["OptimizerNames"] = {"type": "string", "enum": names, "x-lft-source": f"{TRANSFORMERS_FILE}:{self._line('OptimizerNames')}"}

    def _line(self, cls_name: str) -> int:
        return self.module.classes[cls_name].lineno

    def optimizer_names(self) -> list[str]:
        cls = self.module.classes.get("OptimizerNames") or die(f"{TRANSFORMERS_FILE}: class OptimizerNames not found")
        vals = [
            item.value.value
            for item in cls.body
            if isinstance(item, ast.Assign) and isinstance(item.value, ast.Constant) and isinstance(item.value.value, str)
        ]
        return vals or die(f"{TRANSFORMERS_FILE}: OptimizerNames has no string members")

    def reader_fields(self, reader: DataclassReader) -> ModelInfo:
        info = reader.info(self.project, self.module, self.cls)
        if len(info.fields) < 50:
            die(f"{TRANSFORMERS_FILE}: TrainingArguments has only {len(info.fields)} fields")
        converted = {k for (c, k) in reader.enum_only if c == "TrainingArguments"}
        if not {"optim", "eval_strategy", "lr_scheduler_type"} <= converted:
            die(f"{TRANSFORMERS_FILE}: __post_init__ no longer converts optim/eval_strategy/lr_scheduler_type to enums")
        return info

    def properties(self, reader: DataclassReader) -> list[Property]:
        """The v5 fields, as the reader's leniency admits them."""
        out = []
        for f in self.reader_fields(reader).fields.values():
            if not f.init:
                continue
            node = f.metadata_nodes.get("choices")
            if node is not None and "log_levels" in ast.unparse(node):
                f.metadata["choices"] = list(self.data["log_levels"])
            out.append(reader.property(f))
        return out

    def seq2seq_properties(self) -> list[Property]:
        return [
            Property(name, dict(s), "src/transformers/training_args_seq2seq.py", "Seq2SeqTrainingArguments")
            for name, s in self.data["seq2seq_fields"].items()
        ]

    def v4_properties(self, leniency: Leniency, framework: str) -> list[Property]:
        """v4-only fields: still accepted with a warning (scripts pinned to transformers v4 read them)."""
        out = []
        for name, d in self.data["v4_fields"].items():
            s = {k: v for k, v in d.items() if k in ("type", "enum")}
            s = widen(merge_union([s]) if "enum" in s else s, leniency)
            notes: dict[str, Any] = {"deprecated": True}
            if d.get("replacement"):
                notes["x-lft-replacement"] = d["replacement"]
            if d.get("replacement_value") is not None:
                notes["x-lft-replacement-value"] = d["replacement_value"]
            note = f"A transformers v4 TrainingArguments field, gone from the v5 line ({TRANSFORMERS_REPO}@{self.data['commit'][:7]}); {framework} reads it only with transformers v4."
            if d.get("note"):
                note += " " + d["note"]
            notes["x-lft-note"] = note
            out.append(Property(name, s, f"{self.data_rel} v4_fields.{name}", "TrainingArguments (v4)", None, notes))
        return out
