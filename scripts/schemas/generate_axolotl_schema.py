#!/usr/bin/env python3
"""Generate schemas/axolotl.schema.json from axolotl's pydantic config models, read with ``ast``.

Usage:
    python3 scripts/schemas/generate_axolotl_schema.py --source /path/to/axolotl --commit SHA \
        [--transformers-optimizers scripts/schemas/transformers-optimizer-names.json] \
        [--descriptions scripts/schemas/axolotl-descriptions.json] -o schemas/axolotl.schema.json

--source is an axolotl checkout (the folder holding src/axolotl). Nothing from it is imported
or run. The output is JSON Schema draft-07 with shared types under "definitions" (for
NJsonSchema 11). See scripts/schemas/README.md.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import sys

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from pyast_schema import (  # noqa: E402
    FLOAT_STRING_PATTERN,
    NOT_LITERAL,
    FieldInfo,
    GeneratorError,
    ModelInfo,
    Project,
    SchemaBuilder,
    apply_constraints,
    call_name,
    dump,
    jsonable,
    literal,
    model_info,
    order_keys,
)

HERE = os.path.dirname(os.path.abspath(__file__))
GENERATOR = "scripts/schemas/generate_axolotl_schema.py"
REPO = "axolotl-ai-cloud/axolotl"

SCHEMA_PKG = "axolotl.utils.schemas"
ROOT_MODULE = "axolotl.utils.schemas.config"
ROOT_CLASS = "AxolotlInputConfig"

# Types from outside the axolotl tree that appear in annotations.
EXTERNAL_TYPES = {
    # PIL.Image.Resampling (an IntEnum): NEAREST=0, LANCZOS=1, BILINEAR=2, BICUBIC=3, BOX=4, HAMMING=5
    "Resampling": {
        "type": "integer",
        "enum": [0, 1, 2, 3, 4, 5],
        "description": "A PIL.Image.Resampling value (0 nearest, 1 lanczos, 2 bilinear, 3 bicubic, 4 box, 5 hamming).",
        "x-lft-source": "PIL.Image.Resampling (Pillow)",
    },
}


# Checked downstream, not by axolotl's pydantic models (read via the file index; pinned here).
PEFT_RANK_CHECK = (
    "huggingface/peft@003369494699fedd543fe38d16e52df96aeae743 src/peft/tuners/lora/layer.py "
    "LoraLayer.update_layer: `if r <= 0: raise ValueError` when the adapter is attached"
)


def die(msg: str) -> None:
    raise GeneratorError(msg)


# --------------------------------------------------------------------------------------------
# Facts pulled out of validators and constants (each fails loudly when upstream changes shape)
# --------------------------------------------------------------------------------------------


class Facts:
    def __init__(self, project: Project):
        self.project = project
        self.enums = project.load(f"{SCHEMA_PKG}.enums") or die("enums.py not found")
        self.legacy_attn: dict[str, str] = self._const_dict(self.enums, "LEGACY_ATTN_FLAG_TO_IMPL")
        self.short_attn: dict[str, str] = self._const_dict(self.enums, "SHORT_FORM_ALIAS_TO_CANONICAL")
        self.canonical_attn: list[str] = self._const_list(self.enums, "CANONICAL_ATTN_IMPLS")
        self.inductor_allow: list[str] = self._const_list(self.enums, "INDUCTOR_COMPILE_OPTIONS_ALLOWLIST")
        self.enum_lines = {
            "LEGACY_ATTN_FLAG_TO_IMPL": self._line(self.enums, "LEGACY_ATTN_FLAG_TO_IMPL"),
        }

    def _line(self, mod, name):
        for node in mod.tree.body:
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
                return node.lineno
        return None

    def _const_dict(self, mod, name) -> dict:
        v = literal(self.project, mod, mod.assigns.get(name))
        if not isinstance(v, dict) or not v:
            die(f"{mod.rel}: {name} is no longer a literal dict")
        return v

    def _const_list(self, mod, name) -> list:
        v = literal(self.project, mod, mod.assigns.get(name))
        if not isinstance(v, list) or not v:
            die(f"{mod.rel}: {name} is no longer a literal set/list")
        return sorted(v)


def find_function(mod, cls_name: str | None, fn_name: str):
    for node in ast.walk(mod.tree):
        if isinstance(node, ast.ClassDef) and (cls_name is None or node.name == cls_name):
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and item.name == fn_name:
                    return node, item
    return None, None


def builtin_adapters(project: Project) -> tuple[list[str], str]:
    """The adapter names LoraConfig.validate_adapter accepts without a plugin (peft.py)."""
    mod = project.load(f"{SCHEMA_PKG}.peft") or die("peft.py not found")
    _, fn = find_function(mod, "LoraConfig", "validate_adapter")
    if fn is None:
        die("peft.py: LoraConfig.validate_adapter not found")
    for node in ast.walk(fn):
        if isinstance(node, ast.Compare) and any(isinstance(op, ast.NotIn) for op in node.ops):
            if isinstance(node.left, ast.Name) and node.left.id == "adapter":
                v = literal(project, mod, node.comparators[0])
                if isinstance(v, list) and v:
                    return v, f"{mod.rel}:{node.lineno}"
    die("peft.py: adapter tuple in validate_adapter not found")
    return [], ""


def plugin_adapters(project: Project, integrations_dir: str) -> list[tuple[str, str]]:
    """Adapter names registered by plugins via AdapterCapabilities(name=...)."""
    out = []
    for root, _dirs, files in sorted(os.walk(integrations_dir)):
        for fname in sorted(files):
            if not fname.endswith(".py"):
                continue
            mod = project.load_file(os.path.join(root, fname))
            if mod is None:
                continue
            for node in ast.walk(mod.tree):
                if isinstance(node, ast.Call) and call_name(node) == "AdapterCapabilities":
                    for kw in node.keywords:
                        if kw.arg == "name":
                            v = literal(project, mod, kw.value)
                            if isinstance(v, str):
                                out.append((v, f"{mod.rel}:{node.lineno}"))
    return sorted(set(out))


def validator_set(project: Project, mod, cls_name: str, fn_name: str, var: str = "valid") -> tuple[list, int]:
    _, fn = find_function(mod, cls_name, fn_name)
    if fn is None:
        die(f"{mod.rel}: {cls_name}.{fn_name} not found")
    for node in ast.walk(fn):
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == var for t in node.targets):
            v = literal(project, mod, node.value)
            if isinstance(v, list) and v:
                return sorted(v), node.lineno
    die(f"{mod.rel}: set '{var}' in {fn_name} not found")
    return [], 0


def removed_unsloth_keys(project: Project) -> tuple[list[str], str, str]:
    """Keys that validation.py check_deprecated_unsloth_fields refuses, and what it says to use."""
    mod = project.load(f"{SCHEMA_PKG}.validation") or die("validation.py not found")
    _, fn = find_function(mod, None, "check_deprecated_unsloth_fields")
    if fn is None:
        die("validation.py: check_deprecated_unsloth_fields not found")
    keys, msg = None, ""
    for node in ast.walk(fn):
        if isinstance(node, ast.Assign) and keys is None:
            v = literal(project, mod, node.value)
            if isinstance(v, list) and v and all(isinstance(x, str) for x in v):
                keys = v
        if isinstance(node, ast.Raise):
            msg = " ".join(s for s in _strings_in(node))
    if not keys:
        die("validation.py: unsloth key list not found")
    repl = re.findall(r"`(lora_[a-z_]+_kernel)`", msg)
    return keys, f"{mod.rel}:{fn.lineno}", ", ".join(f"`{r}`" for r in repl)


def _strings_in(node: ast.AST) -> list[str]:
    out = []
    for n in ast.walk(node):
        if isinstance(n, ast.Constant) and isinstance(n.value, str):
            out.append(n.value)
    return out


def remaps_in_validators(project: Project, modules) -> dict[str, tuple[str, str, bool]]:
    """old key -> (new key, file:line) for validators that move a value to another key:
    data[NEW] = data.pop(OLD) | data[NEW] = data[OLD] | data[NEW] = data.get(OLD) | self.NEW = self.OLD"""
    out: dict[str, tuple[str, str, bool]] = {}

    def key_of(node):
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id == "data":
            v = node.slice
            if isinstance(v, ast.Constant) and isinstance(v.value, str):
                return v.value
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("pop", "get"):
            if isinstance(node.func.value, ast.Name) and node.func.value.id == "data" and node.args:
                a = node.args[0]
                if isinstance(a, ast.Constant) and isinstance(a.value, str):
                    return a.value
        return None

    for mod in modules:
        for fn in ast.walk(mod.tree):
            if not isinstance(fn, ast.FunctionDef):
                continue
            warns = any("deprecat" in t.lower() for t in _strings_in(fn))
            for node in ast.walk(fn):
                if not (isinstance(node, ast.Assign) and len(node.targets) == 1):
                    continue
                tgt = node.targets[0]
                new = key_of(tgt)
                old = key_of(node.value)
                if (
                    new is None
                    and isinstance(tgt, ast.Attribute)
                    and isinstance(tgt.value, ast.Name)
                    and tgt.value.id == "self"
                    and isinstance(node.value, ast.Attribute)
                    and isinstance(node.value.value, ast.Name)
                    and node.value.value.id == "self"
                ):
                    new, old = tgt.attr, node.value.attr
                if new and old and new != old:
                    out.setdefault(old, (new, f"{mod.rel}:{node.lineno}", warns))
    return out


def deprecated_validators(project: Project, mod) -> dict[str, dict]:
    """field -> {"kind": "removed"|"deprecated", "message": str, "line": int, "truthy": bool}
    from @field_validator("x") methods that raise DeprecationWarning or log a warning."""
    out: dict[str, dict] = {}
    for node in ast.walk(mod.tree):
        if not isinstance(node, ast.FunctionDef):
            continue
        names = []
        for dec in node.decorator_list:
            if isinstance(dec, ast.Call) and call_name(dec) == "field_validator":
                names += [a.value for a in dec.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
        if not names:
            continue
        kind, message, truthy = None, "", True
        for sub in ast.walk(node):
            if isinstance(sub, ast.If):
                test = sub.test
                if isinstance(test, ast.Compare) and any(isinstance(o, ast.IsNot) for o in test.ops):
                    truthy = False
            if isinstance(sub, ast.Raise) and sub.exc is not None:
                if isinstance(sub.exc, ast.Call) and call_name(sub.exc) == "DeprecationWarning":
                    kind, message = "removed", " ".join(_strings_in(sub.exc))
            if kind is None and isinstance(sub, ast.Call) and call_name(sub) == "warning":
                kind, message = "deprecated", " ".join(_strings_in(sub))
        if kind:
            for n in names:
                out[n] = {"kind": kind, "message": message, "line": node.lineno, "truthy": truthy}
    return out


def replacement_from(text: str | None) -> tuple[str | None, str | None]:
    """('new_key', 'value'|None) named by a deprecation text, e.g. "Use `attn_implementation: sdpa`"."""
    if not text:
        return None, None
    m = re.search(r"[Uu]se\s+`([a-z][a-z0-9_.]*):\s*([A-Za-z0-9_\-./]+)`", text)
    if m:
        return m.group(1), m.group(2)
    m = re.search(r"(?:[Uu]se|under|[Pp]lease use)\s+(?:the\s+)?`?([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)*)`?", text)
    if m and m.group(1) not in ("the", "a", "it", "this"):
        return m.group(1), None
    return None, None


# --------------------------------------------------------------------------------------------
# Schema assembly
# --------------------------------------------------------------------------------------------


class Generator:
    def __init__(self, source: str, commit: str, optimizer_names: list[str], optimizer_src: dict, descriptions: dict):
        self.source = os.path.abspath(source)
        self.commit = commit
        self.project = Project(self.source, os.path.join(self.source, "src"))
        if self.project.load(ROOT_MODULE) is None:
            die(f"{ROOT_MODULE} not found under {self.source}/src")
        self.facts = Facts(self.project)
        self.optimizer_names = optimizer_names
        self.optimizer_src = optimizer_src
        self.descriptions = dict(descriptions)
        self.used_descriptions: set[str] = set()
        self.builder = SchemaBuilder(self.project, external=EXTERNAL_TYPES)
        self.builder.model_hook = self.model_schema
        self.builder.enum_hook = self.enum_schema
        self.schema_modules = [
            m
            for m in (
                self.project.load(f"{SCHEMA_PKG}.{os.path.splitext(f)[0]}")
                for f in sorted(os.listdir(os.path.join(self.source, "src", *SCHEMA_PKG.split("."))))
                if f.endswith(".py") and f != "__init__.py"
            )
            if m is not None
        ]
        self.integrations_dir = os.path.join(self.source, "src", "axolotl", "integrations")
        plugin_arg_modules = []
        for pkg in sorted(os.listdir(self.integrations_dir)):
            p = os.path.join(self.integrations_dir, pkg, "args.py")
            if os.path.isfile(p):
                m = self.project.load_file(p)
                if m is not None:
                    plugin_arg_modules.append(m)
        self.plugin_arg_modules = plugin_arg_modules
        self.remaps = remaps_in_validators(self.project, self.schema_modules + plugin_arg_modules)
        dep_mod = self.project.load(f"{SCHEMA_PKG}.deprecated") or die("deprecated.py not found")
        self.dep_validators = deprecated_validators(self.project, dep_mod)
        self.dep_module = dep_mod
        self.warnings: list[str] = []

    # ---- enums ----
    def enum_schema(self, mod, cls, values):
        extra: list = []
        if cls.name == "TorchAOQuantDType":
            # quantization.py validate_ao_dtype also maps "fp8"/"float8" to float8_e4m3fn.
            qmod = self.project.load(f"{SCHEMA_PKG}.quantization")
            fn = qmod.functions.get("validate_ao_dtype") if qmod else None
            if fn is None:
                die("quantization.py: validate_ao_dtype not found")
            for node in ast.walk(fn):
                if isinstance(node, ast.Compare) and isinstance(node.ops[0], (ast.In, ast.Eq)):
                    v = literal(self.project, qmod, node.comparators[0])
                    for x in v if isinstance(v, list) else [v]:
                        if isinstance(x, str):
                            extra.append(x)
        if cls.name == "MoraType":
            # mora/args.py normalize_mora_type maps 1 -> sharing and 6 -> rope.
            mmod = mod
            _, fn = find_function(mmod, "MoraConfig", "normalize_mora_type")
            if fn is None:
                die("mora/args.py: normalize_mora_type not found")
            for node in ast.walk(fn):
                if isinstance(node, ast.Compare) and isinstance(node.ops[0], ast.Eq):
                    v = literal(self.project, mmod, node.comparators[0])
                    if isinstance(v, int):
                        extra.append(v)
        if not extra:
            return None
        out = list(values)
        for x in extra:
            if x not in out:
                out.append(x)
        types = sorted({"string" if isinstance(x, str) else "integer" for x in out})
        return {"type": types[0] if len(types) == 1 else types, "enum": out}

    # ---- fields ----
    def model_schema(self, builder: SchemaBuilder, info: ModelInfo, top: bool = False, plugin: str | None = None) -> dict:
        props: dict[str, dict] = {}
        required: list[str] = []
        for f in info.fields.values():
            for name, schema in self.field_properties(info, f, top=top, plugin=plugin):
                if name in props:
                    self.warnings.append(f"duplicate property {name} in {info.name}")
                    continue
                props[name] = schema
            if f.required:
                names = self.accepted_names(info, f)
                if len(names) == 1:
                    required.append(names[0])
                else:
                    self.warnings.append(f"required field {info.name}.{f.name} has several spellings; not marked required")
        schema: dict = {"type": "object"}
        if not top:
            schema["description"] = self.describe_model(info)
        schema["properties"] = dict(sorted(props.items()))
        if required:
            schema["required"] = sorted(required)
        if info.extra == "forbid" or top:
            schema["additionalProperties"] = False
        else:
            # pydantic's default extra="ignore": unknown keys are dropped without a message
            schema["x-lft-extra"] = info.extra
        schema["x-lft-source"] = f"{info.module.rel}:{info.node.lineno}"
        return schema

    def describe_model(self, info: ModelInfo) -> str:
        key = f"{info.name}"
        if key in self.descriptions:
            self.used_descriptions.add(key)
            return self.descriptions[key]
        return f"`{info.name}` block of the axolotl config (`{info.module.rel}` line {info.node.lineno})."

    def accepted_names(self, info: ModelInfo, f: FieldInfo) -> list[str]:
        if f.validation_aliases:
            names = list(f.validation_aliases)
            if info.populate_by_name and f.name not in names:
                names.insert(0, f.name)
            return names
        if f.alias:
            return [f.name, f.alias] if info.populate_by_name else [f.alias]
        return [f.name]

    def base_schema(self, info: ModelInfo, f: FieldInfo) -> dict:
        b = self.builder
        key = (info.name, f.name)
        over = self.override(key, f)
        if over is not None:
            return over
        s = b.annotation(f.module, f.annotation)
        s = apply_constraints(s, f.constraints)
        return s

    def override(self, key, f: FieldInfo) -> dict | None:
        """Where a validator narrows or widens what the annotation says (each names its source)."""
        _cls, name = key
        if name == "optimizer" and f.owner == "HyperparametersConfig":
            custom = self.builder.annotation(f.module, ast.parse("CustomSupportedOptimizers", mode="eval").body)
            cdef = self.builder.definitions["CustomSupportedOptimizers"]
            values = list(self.optimizer_names)
            for v in cdef["enum"]:
                if v not in values:
                    values.append(v)
            return {
                "type": ["string", "null"],
                "enum": values + [None],
                "x-lft-enum-sources": [
                    f"{self.optimizer_src.get('repo')}@{self.optimizer_src.get('commit')} {self.optimizer_src.get('path')} OptimizerNames",
                    cdef.get("x-lft-source"),
                ],
                "x-lft-note": "pydantic accepts any string here; transformers' TrainingArguments refuses names outside OptimizerNames, axolotl handles the CustomSupportedOptimizers itself.",
            } if custom else None
        if name == "adapter" and f.owner == "LoraConfig":
            builtin, src = builtin_adapters(self.project)
            plugins = plugin_adapters(self.project, self.integrations_dir)
            values = list(builtin) + [n for n, _ in plugins if n not in builtin]
            return {
                "type": ["string", "null"],
                "enum": values + [None],
                "x-lft-enum-sources": [src] + [s for _, s in plugins],
                "x-lft-note": "Plugin adapters (e.g. mora) need their plugin in `plugins:`.",
            }
        if name == "attn_implementation" and f.owner == ROOT_CLASS:
            return {
                "anyOf": [
                    {"type": "string", "enum": self.facts.canonical_attn},
                    {"type": "string", "pattern": "/", "description": "A hub kernel path such as kernels-community/flash-attn3."},
                    {"type": "null"},
                ],
                "x-lft-rejected-values": {k: v for k, v in sorted(self.facts.short_attn.items())},
            }
        if name == "large_head_attention" and f.owner == ROOT_CLASS:
            cmod = self.project.load(ROOT_MODULE)
            valid, _line = validator_set(self.project, cmod, ROOT_CLASS, "validate_large_head_attention")
            return {"type": ["string", "null"], "enum": valid + [None]}
        if name == "torch_compile_options" and f.owner == ROOT_CLASS:
            value = {"type": ["boolean", "number", "string"]}
            return {
                "type": ["object", "null"],
                "properties": {k: dict(value) for k in self.facts.inductor_allow},
                "additionalProperties": False,
            }
        if name == "save_safetensors" and f.owner == "ModelOutputConfig":
            # model.py validate_save_safetensors raises on False (transformers v5 always writes safetensors)
            return {"enum": [True, None]}
        if name == "lora_r" and f.owner == "LoraConfig" and not f.constraints:
            # axolotl leaves lora_r unbounded; PEFT refuses r <= 0 when it attaches the adapter
            return {
                "type": ["integer", "null"],
                "minimum": 1,
                "x-lft-bound-source": PEFT_RANK_CHECK,
            }
        if name in ("learning_rate", "loraplus_lr_embedding") and f.owner in ("HyperparametersConfig", "LoraConfig"):
            # a string is converted with float() by a field validator, so only numeric strings pass
            s = {"type": ["number", "string"], "pattern": FLOAT_STRING_PATTERN}
            if not f.required:
                s["type"].append("null")
            return s
        return None

    def field_properties(self, info: ModelInfo, f: FieldInfo, top: bool, plugin: str | None):
        schema = self.base_schema(info, f)
        schema = dict(schema)
        src = f"{f.module.rel}:{f.line}"
        default = jsonable(f.default)
        if default is not NOT_LITERAL and not f.required:
            schema["default"] = default
        dep = self.deprecation(info, f, top)
        if dep.get("removed"):
            schema = self.removed_schema(schema, dep.get("truthy", True))
        names = self.accepted_names(info, f)
        out = []
        for name in names:
            s = dict(schema)
            s["description"] = self.description(info, f, name, dep, top, plugin)
            if dep.get("deprecated"):
                s["deprecated"] = True
                if dep.get("replacement"):
                    s["x-lft-replacement"] = dep["replacement"]
                if dep.get("replacement_value") is not None:
                    s["x-lft-replacement-value"] = dep["replacement_value"]
            if dep.get("removed"):
                s["x-lft-removed"] = dep["removed"]
            if name != f.name:
                s["x-lft-alias-of"] = f.name
            if plugin:
                s["x-lft-plugin"] = plugin
            s["x-lft-source"] = src
            out.append((name, self.order_keys(s)))
        return out

    order_keys = staticmethod(order_keys)

    def removed_schema(self, schema: dict, truthy: bool) -> dict:
        """A refused key: only values axolotl lets through (null, and falsy ones when it tests truthiness)."""
        keep = {k: v for k, v in schema.items() if k in ("default",)}
        values: list = [None]
        if truthy:
            t = schema.get("type")
            types = set(t if isinstance(t, list) else [t] if t else [])
            for e in schema.get("enum", []):
                types.add({bool: "boolean", int: "integer", float: "number", str: "string"}.get(type(e), ""))
            for s in schema.get("anyOf", []):
                st = s.get("type")
                types.update(st if isinstance(st, list) else [st] if st else [])
            if "boolean" in types:
                values.append(False)
            if "integer" in types or "number" in types:
                values.append(0)
            if not types:
                values = [None, False, 0]
        return dict(keep, enum=values)

    def deprecation(self, info: ModelInfo, f: FieldInfo, top: bool) -> dict:
        out: dict = {}
        text = None
        if f.name in self.dep_validators and f.owner in ("DeprecatedParameters",):
            d = self.dep_validators[f.name]
            rk, rv = replacement_from(d["message"])
            if d["kind"] == "removed":
                out["removed"] = self.removed_message(f.name, rk, d["message"])
                out["truthy"] = d["truthy"]
                out["where"] = f"`{self.dep_module.rel}` line {d['line']}"
                return out
            out["deprecated"] = True
            text = d["message"]
            out["why"] = f"{self.dep_module.rel} line {d['line']}"
        if f.deprecated:
            out["deprecated"] = True
            text = f.deprecated if isinstance(f.deprecated, str) else text
        desc = f.extra.get("description") if isinstance(f.extra.get("description"), str) else f.description
        if desc and re.match(r"^\s*(\[DEPRECATED\]|Deprecated)", desc, re.I):
            out["deprecated"] = True
            text = text or desc
        if f.comment_above and re.search(r"\bdeprecated\b", f.comment_above, re.I):
            out["deprecated"] = True
            text = text or f.comment_above
        if top and f.name in self.facts.legacy_attn:
            out["deprecated"] = True
            out["replacement"] = "attn_implementation"
            out["replacement_value"] = self.facts.legacy_attn[f.name]
            out["why"] = f"{self.facts.enums.rel} line {self.facts.enum_lines['LEGACY_ATTN_FLAG_TO_IMPL']} (mapped, then stripped)"
        if top and f.name in self.remaps and f.name not in self.facts.legacy_attn:
            new, where, warns = self.remaps[f.name]
            if out.get("deprecated") or warns:
                out["deprecated"] = True
                out.setdefault("replacement", new)
                out.setdefault("why", where.replace(":", " line "))
        if out.get("deprecated") and "replacement" not in out:
            rk, rv = replacement_from(text)
            if rk:
                out["replacement"] = rk
                if rv is not None:
                    out["replacement_value"] = self._typed(rv)
        return out

    @staticmethod
    def _typed(v: str):
        if v in ("true", "false"):
            return v == "true"
        return v

    @staticmethod
    def removed_message(name: str, replacement: str | None, upstream: str) -> str:
        m = f"axolotl refuses a config that sets `{name}`"
        if replacement:
            m += f"; use `{replacement}` instead"
        else:
            trl = re.search(r"TRL\s*>=\s*([0-9.]+[0-9])", upstream)
            if trl:
                m += f" (dropped with TRL {trl.group(1)})"
        return m + "."

    def description(self, info: ModelInfo, f: FieldInfo, name: str, dep: dict, top: bool, plugin: str | None) -> str:
        key = name if top else f"{info.name}.{name}"
        if key in self.descriptions:
            self.used_descriptions.add(key)
            return self.descriptions[key]
        if not top and f"{info.name}.{f.name}" in self.descriptions:
            self.used_descriptions.add(f"{info.name}.{f.name}")
            return self.descriptions[f"{info.name}.{f.name}"]
        where = f"`{f.module.rel}` line {f.line}"
        if dep.get("removed"):
            return f"Removed option: {dep['removed'][:-1]} ({dep.get('where', where)})."
        if dep.get("deprecated"):
            r = dep.get("replacement")
            rv = dep.get("replacement_value")
            if r and rv is not None:
                return f"Deprecated: set `{r}: {json.dumps(rv) if not isinstance(rv, str) else rv}` instead; axolotl still accepts this key with a warning ({where})."
            if r:
                return f"Deprecated: use `{r}` instead; axolotl still accepts this key with a warning ({where})."
            return f"Deprecated axolotl option, still accepted ({where})."
        if name != f.name:
            return f"Alternative spelling of `{f.name}` ({where})."
        if plugin:
            return f"Plugin option, used when `plugins:` lists {plugin} ({where})."
        if top:
            return f"axolotl option ({where})."
        return f"`{info.name}` option ({where})."

    # ---- plugins ----
    def plugin_inputs(self) -> list[tuple[str, str, str]]:
        """(plugin class path as users write it, input-args dotted path, file:line) for each plugin."""
        out = []
        for pkg in sorted(os.listdir(self.integrations_dir)):
            pdir = os.path.join(self.integrations_dir, pkg)
            if not os.path.isdir(pdir):
                continue
            for fname in sorted(os.listdir(pdir)):
                if not fname.endswith(".py"):
                    continue
                mod = self.project.load_file(os.path.join(pdir, fname))
                if mod is None:
                    continue
                for cls in mod.classes.values():
                    for item in cls.body:
                        if isinstance(item, ast.FunctionDef) and item.name == "get_input_args":
                            for sub in ast.walk(item):
                                if isinstance(sub, ast.Return) and sub.value is not None:
                                    v = literal(self.project, mod, sub.value)
                                    if isinstance(v, str):
                                        out.append((self.plugin_path(pkg, mod, cls.name), v, f"{mod.rel}:{sub.lineno}"))
        return sorted(set(out))

    def plugin_path(self, pkg: str, mod, cls_name: str) -> str:
        package = f"axolotl.integrations.{pkg}"
        init = self.project.load(package)
        if init is not None and (cls_name in init.classes or cls_name in init.imports):
            return f"{package}.{cls_name}"
        return f"{mod.name}.{cls_name}"

    def plugin_fields(self, top_props: dict) -> dict[str, list[str]]:
        added: dict[str, list[str]] = {}
        for plugin, dotted_args, where in self.plugin_inputs():
            modname, _, cls_name = dotted_args.rpartition(".")
            mod = self.project.load(modname)
            hit = self.project.resolve(mod, cls_name) if mod else None
            if not hit or hit[0] != "class":
                die(f"{where}: cannot find plugin input class {dotted_args}")
            info = model_info(self.project, hit[1], hit[2])
            for f in info.fields.values():
                for name, schema in self.field_properties(info, f, top=True, plugin=plugin):
                    if name in top_props:
                        self.warnings.append(f"plugin {plugin} field {name} is also a core field; core kept")
                        continue
                    top_props[name] = schema
                    added.setdefault(plugin, []).append(name)
        return added

    # ---- document ----
    def build(self) -> dict:
        root_mod = self.project.load(ROOT_MODULE)
        root_cls = root_mod.classes.get(ROOT_CLASS) or die(f"{ROOT_CLASS} not in {root_mod.rel}")
        info = model_info(self.project, root_mod, root_cls)
        top = self.model_schema(self.builder, info, top=True)
        props = top["properties"]
        n_core = len(info.fields)
        plugins = self.plugin_fields(props)

        # keys refused by validation.py
        keys, where, repl = removed_unsloth_keys(self.project)
        for k in keys:
            if k in props:
                continue
            msg = f"axolotl refuses a config that sets `{k}`; use {repl} instead."
            props[k] = self.order_keys(
                {
                    "description": f"Removed option: {msg[:-1]} (`{where.split(':')[0]}` line {where.split(':')[1]}).",
                    "enum": [None, False],
                    "x-lft-removed": msg,
                    "x-lft-source": where,
                }
            )

        # fsdp_ prefixes inside fsdp_config are still accepted and stripped (validation.py)
        self.fsdp_prefixed()

        top["properties"] = dict(sorted(props.items()))
        doc = {
            "$schema": "http://json-schema.org/draft-07/schema#",
            "$id": "https://lspfinetune.dev/schemas/axolotl.schema.json",
            "$comment": (
                f"Generated by {GENERATOR} from {REPO}@{self.commit} (src/axolotl/utils/schemas/*.py and "
                "src/axolotl/integrations/*/args.py, read with ast; nothing was imported). Do not edit by hand: "
                "rerun the generator. Descriptions are our own words (scripts/schemas/axolotl-descriptions.json "
                "for memory/runtime keys, generated source pointers elsewhere). Top level: additionalProperties "
                "is false so a misspelt key is reported, although axolotl itself silently drops unknown keys "
                "(pydantic extra='ignore'). Nested blocks keep axolotl's behaviour (x-lft-extra: ignore). "
                "Plugin keys (x-lft-plugin) only take effect when that plugin is listed in `plugins:`. "
                "Quoted numbers and yes/no strings, which pydantic's lax mode would coerce, are not modelled."
            ),
            "title": "axolotl training config",
            "description": "An axolotl YAML config (`axolotl train config.yml`): model, adapter, data, batch, precision and distributed settings.",
            "x-lft-upstream": {
                "repo": REPO,
                "commit": self.commit,
                "generator": GENERATOR,
                "root": f"{root_mod.rel}:{root_cls.lineno} {ROOT_CLASS}",
                "optimizer_names": self.optimizer_src,
            },
            "type": "object",
        }
        for k in ("properties", "required", "additionalProperties"):
            if k in top:
                doc[k] = top[k]
        doc["x-lft-source"] = top["x-lft-source"]
        doc["x-lft-counts"] = {
            "core_fields": n_core,
            "alias_spellings": sum(1 for p in props.values() if "x-lft-alias-of" in p),
            "plugin_fields": sum(len(v) for v in plugins.values()),
            "removed_keys": sum(1 for p in props.values() if "x-lft-removed" in p),
            "deprecated_keys": sum(1 for p in props.values() if p.get("deprecated")),
            "properties": len(props),
        }
        doc["x-lft-plugins"] = {k: sorted(v) for k, v in sorted(plugins.items())}
        doc["definitions"] = dict(sorted(self.builder.definitions.items()))
        unused = sorted(set(self.descriptions) - self.used_descriptions - {"$comment"})
        if unused:
            self.warnings.append("descriptions not used (no such key): " + ", ".join(unused))
        return doc

    def fsdp_prefixed(self):
        vmod = self.project.load(f"{SCHEMA_PKG}.validation")
        _, fn = find_function(vmod, None, "check_fsdp_config_kwargs_prefix")
        if fn is None:
            die("validation.py: check_fsdp_config_kwargs_prefix not found")
        d = self.builder.definitions.get("FSDPConfig") or die("FSDPConfig definition missing")
        props = d["properties"]
        for name in list(props):
            if name.startswith("fsdp_") or "x-lft-alias-of" in props[name]:
                continue
            pref = f"fsdp_{name}"
            if pref in props:
                continue
            s = {k: v for k, v in props[name].items() if k not in ("description", "x-lft-source")}
            s["description"] = (
                f"Old spelling of `{name}`: axolotl strips the `fsdp_` prefix inside `fsdp_config` and warns "
                f"(`{vmod.rel}` line {fn.lineno})."
            )
            s["deprecated"] = True
            s["x-lft-replacement"] = name
            s["x-lft-source"] = f"{vmod.rel}:{fn.lineno}"
            props[pref] = self.order_keys(s)
        d["properties"] = dict(sorted(props.items()))


def load_optimizer_names(path: str) -> tuple[list[str], dict]:
    if path.endswith(".py"):
        with open(path, encoding="utf-8") as fh:
            tree = ast.parse(fh.read())
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and node.name == "OptimizerNames":
                vals = []
                for item in node.body:
                    if isinstance(item, ast.Assign) and isinstance(item.value, ast.Constant) and isinstance(item.value.value, str):
                        vals.append(item.value.value)
                if not vals:
                    die(f"{path}: OptimizerNames has no string members")
                return vals, {"path": "src/transformers/training_args.py", "file": os.path.basename(path)}
        die(f"{path}: class OptimizerNames not found")
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    vals = data.get("values")
    if not isinstance(vals, list) or not vals:
        die(f"{path}: no 'values' list")
    return vals, {k: data[k] for k in ("repo", "commit", "path") if k in data}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--source", required=True, help="axolotl checkout (folder that holds src/axolotl)")
    ap.add_argument("--commit", required=True, help="the commit the checkout is at (recorded in the output)")
    ap.add_argument(
        "--transformers-optimizers",
        default=os.path.join(HERE, "transformers-optimizer-names.json"),
        help="transformers OptimizerNames: a JSON file {repo, commit, path, values} or a training_args.py",
    )
    ap.add_argument("--descriptions", default=os.path.join(HERE, "axolotl-descriptions.json"))
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("--strict", action="store_true", help="fail on warnings")
    args = ap.parse_args(argv)
    if not re.fullmatch(r"[0-9a-f]{7,40}", args.commit):
        ap.error("--commit must be a hex commit id")
    names, src = load_optimizer_names(args.transformers_optimizers)
    with open(args.descriptions, encoding="utf-8") as fh:
        descriptions = json.load(fh)
    descriptions.pop("$comment", None)
    try:
        gen = Generator(args.source, args.commit, names, src, descriptions)
        doc = gen.build()
    except GeneratorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for w in gen.warnings:
        print(f"warning: {w}", file=sys.stderr)
    if gen.builder.unknown:
        print("note: annotations treated as 'any': " + ", ".join(sorted(gen.builder.unknown)), file=sys.stderr)
    if args.strict and gen.warnings:
        return 1
    dump(doc, args.output)
    c = doc["x-lft-counts"]
    print(
        f"wrote {args.output}: {c['properties']} top-level properties "
        f"({c['core_fields']} core fields, {c['alias_spellings']} alias spellings, {c['plugin_fields']} plugin fields, "
        f"{c['removed_keys']} removed keys), {len(doc['definitions'])} definitions",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
