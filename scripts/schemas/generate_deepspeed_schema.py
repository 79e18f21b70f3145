#!/usr/bin/env python3
"""Generate schemas/deepspeed.schema.json from DeepSpeed's config readers, read with ``ast``.

Usage:
    python3 scripts/schemas/generate_deepspeed_schema.py --source /path/to/DeepSpeed --commit SHA \
        [--descriptions scripts/schemas/deepspeed-descriptions.json] \
        [--hints scripts/schemas/deepspeed-key-hints.json] -o schemas/deepspeed.schema.json

DeepSpeed's top level is parsed by hand (deepspeed/runtime/config.py DeepSpeedConfig): this
script follows the top-level dict through the getter functions and config classes it is passed
to, collecting every key read from it (and the keys read from each section), the defaults given
to get_scalar_param, and the pydantic model each section is built into (DeepSpeedZeroConfig,
DeepSpeedBF16Config, ...). The pydantic models are then turned into schema definitions.
Nothing from DeepSpeed is imported or run. See scripts/schemas/README.md.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import sys
from dataclasses import dataclass, field

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from pyast_schema import (  # noqa: E402
    NOT_LITERAL,
    FieldInfo,
    GeneratorError,
    Module,
    ModelInfo,
    Project,
    SchemaBuilder,
    apply_constraints,
    call_name,
    dump,
    is_pydantic_model,
    jsonable,
    literal,
    merge_union,
    order_keys,
)

HERE = os.path.dirname(os.path.abspath(__file__))
GENERATOR = "scripts/schemas/generate_deepspeed_schema.py"
REPO = "deepspeedai/DeepSpeed"
CONFIG_MODULE = "deepspeed.runtime.config"
CONFIG_CLASS = "DeepSpeedConfig"
BASE_MODEL_MODULE = "deepspeed.runtime.config_utils"
BASE_MODEL_CLASS = "DeepSpeedConfigModel"
SCALAR_GETTERS = {"get_scalar_param", "get_dict_param", "get_list_param"}
MAX_HAND_DEPTH = 3
EXTERNAL_TYPES = {
    # torch.dtype fields (arbitrary_types_allowed): pydantic checks isinstance, so no JSON value passes
    "dtype": {
        "not": {},
        "description": "A torch.dtype object: DeepSpeed checks the Python type, so it cannot be set from JSON (only \"auto\", which is dropped).",
        "x-lft-source": "torch.dtype",
    },
}  # hand-parsed keys deeper than this become free-form objects


def die(msg: str):
    raise GeneratorError(msg)


# --------------------------------------------------------------------------------------------
# Following the top-level dict through the readers
# --------------------------------------------------------------------------------------------


@dataclass
class KeyInfo:
    path: tuple
    sources: set = field(default_factory=set)
    defaults: list = field(default_factory=list)
    models: dict = field(default_factory=dict)  # class name -> (module, ClassDef)
    field_models: list = field(default_factory=list)  # (model class, field name) via Cls(**{k: d.get(k)})
    dynamic: bool = False  # iterated / passed on whole: free-form keys
    accepts_bool: bool = False  # an isinstance(x, bool) branch handles a bare boolean


class Multi:
    """{key: d.get(key, ...) for key in (...)}: several sections gathered into one dict."""

    def __init__(self, items):
        self.items = items  # list of paths


class Reader:
    def __init__(self, project: Project):
        self.project = project
        self.keys: dict[tuple, KeyInfo] = {}
        self.memo: set = set()
        self.depth = 0

    def info(self, path: tuple) -> KeyInfo:
        if path not in self.keys:
            self.keys[path] = KeyInfo(path)
        return self.keys[path]

    def record(self, path: tuple, key, mod: Module, node: ast.AST, default=NOT_LITERAL) -> tuple | None:
        if not isinstance(key, str):
            return None
        p = path + (key,)
        ki = self.info(p)
        ki.sources.add(f"{mod.rel}:{node.lineno}")
        if default is not NOT_LITERAL:
            ki.defaults.append(default)
        return p

    # ---- functions ----
    def run_function(self, mod: Module, fn: ast.FunctionDef, bindings: dict, consts: dict, cls: ast.ClassDef | None):
        key = (mod.name, cls.name if cls else None, fn.name, tuple(sorted((k, tuple(sorted(v))) for k, v in bindings.items())), tuple(sorted(consts.items(), key=repr)))
        if key in self.memo or self.depth > 25:
            return set()
        self.memo.add(key)
        self.depth += 1
        try:
            frame = Frame(self, mod, cls, dict((k, set(v)) for k, v in bindings.items()), dict(consts))
            frame.block(fn.body)
            return frame.returns
        finally:
            self.depth -= 1

    def call(self, frame: "Frame", node: ast.Call, arg_kinds: list, kw_kinds: dict, arg_consts: list, kw_consts: dict):
        """Follow a call into a function/class we can resolve; returns the kinds it returns."""
        target = None
        f = node.func
        if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id == "self" and frame.cls is not None:
            for item in frame.cls.body:
                if isinstance(item, ast.FunctionDef) and item.name == f.attr:
                    target = ("method", frame.mod, item, frame.cls)
        else:
            hit = self.project.resolve_expr(frame.mod, f)
            if hit and hit[0] == "function":
                target = ("function", hit[1], hit[2], None)
            elif hit and hit[0] == "class" and not is_pydantic_model(self.project, hit[1], hit[2]):
                init = next((i for i in hit[2].body if isinstance(i, ast.FunctionDef) and i.name == "__init__"), None)
                if init is not None:
                    target = ("method", hit[1], init, hit[2])
        if target is None:
            return set()
        kind, mod, fn, cls = target
        params = [a.arg for a in fn.args.args]
        if kind == "method" and params and params[0] == "self":
            params = params[1:]
        bindings: dict = {}
        consts: dict = {}
        # parameter defaults that are constants
        defaults = fn.args.defaults
        for name, d in zip(params[len(params) - len(defaults):], defaults):
            v = literal(self.project, mod, d)
            if v is not NOT_LITERAL:
                consts[name] = v
        for name, kinds, c in zip(params, arg_kinds, arg_consts):
            if kinds:
                bindings[name] = kinds
            if c is not NOT_LITERAL:
                consts[name] = c
        for name, kinds in kw_kinds.items():
            if name in params and kinds:
                bindings[name] = kinds
        for name, c in kw_consts.items():
            if name in params and c is not NOT_LITERAL:
                consts[name] = c
        if not bindings:
            return set()
        return self.run_function(mod, fn, bindings, consts, cls)


class Frame:
    def __init__(self, reader: Reader, mod: Module, cls, env: dict, consts: dict):
        self.r = reader
        self.mod = mod
        self.cls = cls
        self.env = env  # var -> set of paths (or Multi)
        self.consts = consts
        self.returns: set = set()

    def const(self, node):
        if isinstance(node, ast.Name) and node.id in self.consts:
            return self.consts[node.id]
        return literal(self.r.project, self.mod, node)

    # ---- statements ----
    def block(self, stmts):
        for s in stmts:
            self.stmt(s)

    def stmt(self, s):
        if isinstance(s, (ast.Assign, ast.AnnAssign)):
            value = s.value
            if value is None:
                return
            kinds = self.expr(value)
            targets = s.targets if isinstance(s, ast.Assign) else [s.target]
            for t in targets:
                if isinstance(t, ast.Name) and kinds:
                    self.env.setdefault(t.id, set()).update(kinds)
                elif isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "self" and kinds:
                    self.env.setdefault(f"self.{t.attr}", set()).update(kinds)
                elif isinstance(t, ast.Subscript):
                    self.expr(t)
                elif isinstance(t, ast.Name):
                    c = self.const(value)
                    if c is not NOT_LITERAL and t.id not in self.env:
                        self.consts[t.id] = c
        elif isinstance(s, ast.Return):
            if s.value is not None:
                self.returns |= {k for k in self.expr(s.value) if isinstance(k, tuple)}
        elif isinstance(s, ast.Expr):
            self.expr(s.value)
        elif isinstance(s, ast.If):
            self.expr(s.test)
            self.block(s.body)
            self.block(s.orelse)
        elif isinstance(s, (ast.For, ast.AsyncFor)):
            it = s.iter
            # for k, v in d.items(): free-form keys
            if isinstance(it, ast.Call) and isinstance(it.func, ast.Attribute) and it.func.attr in ("items", "keys", "values"):
                for p in self.expr(it.func.value):
                    if isinstance(p, tuple):
                        self.r.info(p).dynamic = True
            else:
                self.expr(it)
            self.block(s.body)
            self.block(s.orelse)
        elif isinstance(s, ast.While):
            self.expr(s.test)
            self.block(s.body)
        elif isinstance(s, ast.With):
            for item in s.items:
                self.expr(item.context_expr)
            self.block(s.body)
        elif isinstance(s, ast.Try):
            self.block(s.body)
            for h in s.handlers:
                self.block(h.body)
            self.block(s.orelse)
            self.block(s.finalbody)
        elif isinstance(s, ast.Assert):
            self.expr(s.test)
        elif isinstance(s, ast.Raise):
            if s.exc is not None:
                self.expr(s.exc)

    # ---- expressions: return the set of dict paths the value stands for ----
    def expr(self, node) -> set:
        r = self.r
        if node is None:
            return set()
        if isinstance(node, ast.Name):
            return set(self.env.get(node.id, set()))
        if isinstance(node, ast.Attribute):
            if isinstance(node.value, ast.Name) and node.value.id == "self":
                if self.cls is not None and self.cls.name == CONFIG_CLASS and node.attr == "_param_dict":
                    return {()}
                return set(self.env.get(f"self.{node.attr}", set()))
            self.expr(node.value)
            return set()
        if isinstance(node, ast.Subscript):
            base = self.expr(node.value)
            key = self.const(node.slice)
            out = set()
            for p in base:
                if isinstance(p, tuple):
                    q = r.record(p, key, self.mod, node)
                    if q is not None:
                        out.add(q)
                    elif not isinstance(node.slice, ast.Slice):
                        r.info(p).dynamic = True
            self.expr(node.slice)
            return out
        if isinstance(node, ast.Compare):
            left = node.left
            for op, right in zip(node.ops, node.comparators):
                if isinstance(op, (ast.In, ast.NotIn)):
                    container = right
                    if isinstance(container, ast.Call) and isinstance(container.func, ast.Attribute) and container.func.attr == "keys":
                        container = container.func.value
                    key = self.const(left)
                    for p in self.expr(container):
                        if isinstance(p, tuple):
                            r.record(p, key, self.mod, node)
                else:
                    self.expr(right)
            self.expr(left)
            return set()
        if isinstance(node, ast.DictComp):
            # {key: d.get(key, ...) for key in ("a", "b")}
            gen = node.generators[0] if node.generators else None
            if gen is not None and isinstance(gen.target, ast.Name):
                keys = self.const(gen.iter)
                v = node.value
                if isinstance(keys, list) and isinstance(v, ast.Call) and isinstance(v.func, ast.Attribute) and v.func.attr == "get":
                    items = []
                    for p in self.expr(v.func.value):
                        if isinstance(p, tuple):
                            for k in keys:
                                q = r.record(p, k, self.mod, node)
                                if q:
                                    items.append(q)
                    return {Multi(items)} if items else set()
            return set()
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, (ast.BoolOp,)):
            out = set()
            for v in node.values:
                out |= self.expr(v)
            return out
        if isinstance(node, ast.IfExp):
            self.expr(node.test)
            return self.expr(node.body) | self.expr(node.orelse)
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr):
                self.expr(child)
        return set()

    def call(self, node: ast.Call) -> set:
        r = self.r
        f = node.func
        name = call_name(node)
        # d.get(K, D) / d.pop(K, D) / d.setdefault(K, D)
        if isinstance(f, ast.Attribute) and f.attr in ("get", "pop", "setdefault") and node.args:
            base = self.expr(f.value)
            key = self.const(node.args[0])
            default = self.const(node.args[1]) if len(node.args) > 1 else NOT_LITERAL
            out = set()
            for p in base:
                if isinstance(p, tuple):
                    q = r.record(p, key, self.mod, node, default if not isinstance(default, dict) or default else NOT_LITERAL)
                    if q is not None:
                        out.add(q)
            for a in node.args[1:]:
                self.expr(a)
            return out
        if isinstance(f, ast.Attribute) and f.attr in ("keys", "copy"):
            return self.expr(f.value)
        if isinstance(f, ast.Attribute) and f.attr in ("items", "values", "update"):
            for p in self.expr(f.value):
                if isinstance(p, tuple):
                    r.info(p).dynamic = True
            return set()
        if name in ("copy", "deepcopy", "dict") and node.args and not node.keywords:
            return self.expr(node.args[0])
        if name in SCALAR_GETTERS and len(node.args) >= 2:
            base = self.expr(node.args[0])
            key = self.const(node.args[1])
            default = self.const(node.args[2]) if len(node.args) > 2 else NOT_LITERAL
            out = set()
            for p in base:
                if isinstance(p, tuple):
                    q = r.record(p, key, self.mod, node, default)
                    if q is not None:
                        out.add(q)
            return out
        if name == "isinstance" and len(node.args) == 2:
            t = node.args[1]
            if isinstance(t, ast.Name) and t.id == "bool":
                for p in self.expr(node.args[0]):
                    if isinstance(p, tuple):
                        r.info(p).accepts_bool = True
            return set()
        # Cls(**section) -> section is validated by that pydantic model
        hit = r.project.resolve_expr(self.mod, f) if not (isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id == "self") else None
        for kw in node.keywords:
            if kw.arg is None:
                kinds = self.expr(kw.value)
                if hit and hit[0] == "class" and is_pydantic_model(r.project, hit[1], hit[2]):
                    for p in kinds:
                        if isinstance(p, tuple):
                            r.info(p).models[hit[2].name] = (hit[1], hit[2])
                        elif isinstance(p, Multi):
                            for q in p.items:
                                r.info(q).field_models.append((hit[1], hit[2], q[-1]))
        arg_kinds = [self.expr(a) for a in node.args]
        arg_consts = [self.const(a) for a in node.args]
        kw_kinds = {kw.arg: self.expr(kw.value) for kw in node.keywords if kw.arg}
        kw_consts = {kw.arg: self.const(kw.value) for kw in node.keywords if kw.arg}
        if isinstance(f, ast.Attribute):
            self.expr(f.value)
        if hit and hit[0] == "class" and is_pydantic_model(r.project, hit[1], hit[2]):
            # Cls(section_dict) with a positional dict is unusual; treat the argument as passed on whole
            for ks in arg_kinds:
                for p in ks:
                    if isinstance(p, tuple):
                        r.info(p).dynamic = True
            return set()
        return r.call(self, node, [{k for k in ks if isinstance(k, tuple)} for ks in arg_kinds],
                      {k: {x for x in v if isinstance(x, tuple)} for k, v in kw_kinds.items()}, arg_consts, kw_consts)


# --------------------------------------------------------------------------------------------
# Schema assembly
# --------------------------------------------------------------------------------------------


def json_type_of(v) -> dict:
    if isinstance(v, bool):
        return {"type": "boolean"}
    if isinstance(v, int):
        return {"type": "integer"}
    if isinstance(v, float):
        return {"type": "number"}
    if isinstance(v, str):
        return {"type": "string"}
    if isinstance(v, list):
        return {"type": "array"}
    if isinstance(v, dict):
        return {"type": "object"}
    return {}


AUTO = {"const": "auto"}


def with_auto(schema: dict) -> dict:
    if schema == {}:
        return schema
    if "$ref" in schema and len(schema) > 1:
        ref = {"$ref": schema["$ref"]}
        rest = {k: v for k, v in schema.items() if k != "$ref"}
        return dict(rest, anyOf=[ref, dict(AUTO)])
    if "enum" in schema and set(schema) <= {"enum", "type", "default", "description"}:
        if "auto" in schema["enum"]:
            return schema
        out = dict(schema)
        out["enum"] = list(schema["enum"]) + ["auto"]
        if isinstance(out.get("type"), str) and out["type"] != "string":
            out["type"] = [out["type"], "string"]
        elif isinstance(out.get("type"), list) and "string" not in out["type"]:
            out["type"] = out["type"] + ["string"]
        return out
    keep = {k: v for k, v in schema.items() if k in ("description", "default")}
    core = {k: v for k, v in schema.items() if k not in ("description", "default")}
    t = core.get("type")
    if set(core) == {"type"} and (t == "string" or (isinstance(t, list) and "string" in t)):
        return schema  # "auto" is already a string
    if set(core) == {"type"} and t in ("boolean", ["boolean", "null"]):
        values = [True, False] + ([None] if isinstance(t, list) else []) + ["auto"]
        return dict(keep, type=(["boolean", "null", "string"] if isinstance(t, list) else ["boolean", "string"]), enum=values)
    if set(core) == {"anyOf"}:
        return dict(keep, anyOf=core["anyOf"] + [dict(AUTO)])
    return dict(keep, anyOf=[core, dict(AUTO)])


class Generator:
    def __init__(self, source: str, commit: str, descriptions: dict, auto_keys: dict):
        self.source = os.path.abspath(source)
        self.commit = commit
        self.project = Project(self.source, self.source)
        self.descriptions = descriptions
        self.used_descriptions: set = set()
        self.auto_keys = auto_keys
        self.used_auto: set = set()
        self.warnings: list[str] = []
        self.builder = SchemaBuilder(self.project, external=EXTERNAL_TYPES)
        self.builder.model_hook = self.model_schema
        self.section_models: set[str] = set()
        cmod = self.project.load(CONFIG_MODULE) or die(f"{CONFIG_MODULE} not found under {self.source}")
        self.cmod = cmod
        self.ccls = cmod.classes.get(CONFIG_CLASS) or die(f"{CONFIG_CLASS} not in {cmod.rel}")
        self.strips_auto, self.strip_src = self.check_auto_stripping()

    def check_auto_stripping(self) -> tuple[bool, str]:
        """DeepSpeedConfigModel.__init__ drops keys whose value is "auto" (unless strict)."""
        bmod = self.project.load(BASE_MODEL_MODULE) or die(f"{BASE_MODEL_MODULE} not found")
        cls = bmod.classes.get(BASE_MODEL_CLASS) or die(f"{BASE_MODEL_CLASS} not found")
        init = next((i for i in cls.body if isinstance(i, ast.FunctionDef) and i.name == "__init__"), None)
        if init is None:
            return False, ""
        for node in ast.walk(init):
            if isinstance(node, ast.Compare) and any(isinstance(c, ast.Constant) and c.value == "auto" for c in node.comparators):
                return True, f"{bmod.rel}:{node.lineno}"
        return False, ""

    # ---- pydantic models ----
    def model_schema(self, builder: SchemaBuilder, info: ModelInfo) -> dict:
        props: dict = {}
        required = []
        strip = info.name in self.section_models and self.strips_auto
        for f in info.fields.values():
            if f.extra.get("exclude"):
                continue
            s = builder.annotation(f.module, f.annotation)
            s = apply_constraints(s, f.constraints)
            s = dict(s)
            names = [f.name]
            if f.alias:
                names = [f.name, f.alias] if info.populate_by_name else [f.alias]
            for name in names:
                t = dict(s)
                auto_path = f"{info.name}.{name}"
                if strip or auto_path in self.auto_keys:
                    if auto_path in self.auto_keys:
                        self.used_auto.add(auto_path)
                    t = with_auto(t)
                default = jsonable(f.default)
                if default is not NOT_LITERAL and not f.required:
                    t["default"] = default
                t["description"] = self.field_description(info, f, name)
                if f.extra.get("deprecated"):
                    t["deprecated"] = True
                    if f.extra.get("new_param"):
                        t["x-lft-replacement"] = f.extra["new_param"]
                if name != f.name:
                    t["x-lft-alias-of"] = f.name
                if self.auto_keys.get(auto_path, {}).get("filled_by"):
                    t["x-lft-auto-filled-by"] = self.auto_keys[auto_path]["filled_by"]
                t["x-lft-source"] = f"{f.module.rel}:{f.line}"
                props[name] = order_keys(t)
            if f.required:
                required.append(names[-1])
        schema = {"type": "object", "description": self.model_description(info), "properties": dict(sorted(props.items()))}
        if required:
            schema["required"] = sorted(required)
        if info.extra == "forbid":
            schema["additionalProperties"] = False
        else:
            schema["x-lft-extra"] = info.extra
        if strip:
            schema["x-lft-auto"] = f"DeepSpeed drops keys set to \"auto\" in this block before validating it ({self.strip_src})."
        schema["x-lft-source"] = f"{info.module.rel}:{info.node.lineno}"
        return schema

    def model_description(self, info: ModelInfo) -> str:
        if info.name in self.descriptions:
            self.used_descriptions.add(info.name)
            return self.descriptions[info.name]
        return f"DeepSpeed `{info.name}` block (`{info.module.rel}` line {info.node.lineno})."

    def field_description(self, info: ModelInfo, f: FieldInfo, name: str) -> str:
        for key in (f"{info.name}.{name}", f"{info.name}.{f.name}"):
            if key in self.descriptions:
                self.used_descriptions.add(key)
                return self.descriptions[key]
        where = f"`{f.module.rel}` line {f.line}"
        if f.extra.get("deprecated"):
            np = f.extra.get("new_param")
            return f"Deprecated: use `{np}` instead; DeepSpeed still reads it with a warning ({where})." if np else f"Deprecated DeepSpeed option ({where})."
        if name != f.name:
            return f"Alternative spelling of `{f.name}` ({where})."
        return f"`{info.name}` option ({where})."

    # ---- hand-parsed keys ----
    def read(self) -> Reader:
        reader = Reader(self.project)
        for item in self.ccls.body:
            if isinstance(item, ast.FunctionDef) and item.name in ("__init__", "_initialize_params", "_do_sanity_check", "_do_error_check", "_do_warning_check", "_configure_train_batch_size"):
                params = [a.arg for a in item.args.args][1:]
                bindings = {params[0]: {()}} if item.name == "_initialize_params" and params else {}
                frame = Frame(reader, self.cmod, self.ccls, {k: set(v) for k, v in bindings.items()}, {})
                reader.depth += 1
                frame.block(item.body)
                reader.depth -= 1
        return reader

    def key_schema(self, reader: Reader, path: tuple) -> dict:
        ki = reader.keys[path]
        dotted = ".".join(path)
        depth = len(path)
        children = sorted(p for p in reader.keys if len(p) == depth + 1 and p[:depth] == path)
        schema: dict
        if ki.models:
            refs = []
            for cname, (m, c) in sorted(ki.models.items()):
                self.section_models.add(cname)
                refs.append(self.builder.ref_for_class(m, c))
            schema = refs[0] if len(refs) == 1 else {"anyOf": refs}
            if ki.accepts_bool:
                schema = {"anyOf": [schema, {"type": "boolean", "deprecated": True, "description": "Old form: true means stage 1, false means disabled."}]}
        elif ki.field_models:
            m, c, fname = ki.field_models[0]
            from pyast_schema import model_info as _mi

            info = _mi(self.project, m, c)
            f = info.fields.get(fname) or die(f"{c.name} has no field {fname}")
            schema = self.builder.annotation(f.module, f.annotation)
        elif children and depth < MAX_HAND_DEPTH and not ki.dynamic:
            props = {}
            for ch in children:
                props[ch[-1]] = self.key_schema(reader, ch)
            schema = {"type": "object", "properties": props, "x-lft-extra": "ignore"}
        elif children or ki.dynamic:
            schema = {"type": "object"}
            if children and depth < MAX_HAND_DEPTH:
                schema["properties"] = {ch[-1]: self.key_schema(reader, ch) for ch in children}
        else:
            types = [json_type_of(d) for d in ki.defaults if d is not None]
            types = [t for t in types if t]
            schema = merge_union(types) if types else {}
            if schema.get("type") == "object" and not children:
                schema = {"type": "object"}
        spec = self.auto_keys.get(dotted)
        if spec is not None:
            self.used_auto.add(dotted)
            if spec.get("type") and "$ref" not in schema and not schema.get("properties"):
                schema = {"type": spec["type"]} if isinstance(spec["type"], str) else {"type": list(spec["type"])}
            if "enum" in spec:
                schema["enum"] = list(spec["enum"])
            if spec.get("auto", True):
                schema = with_auto(schema)
        defaults = [d for d in ki.defaults if jsonable(d) is not NOT_LITERAL]
        if defaults and all(d == defaults[0] for d in defaults) and not ki.models and "properties" not in schema and defaults[0] != {}:
            schema["default"] = defaults[0]
        schema["description"] = self.path_description(path, ki)
        if spec is not None and spec.get("filled_by"):
            schema["x-lft-auto-filled-by"] = spec["filled_by"]
        if spec is not None and spec.get("why"):
            schema["x-lft-hint"] = spec["why"]
        schema["x-lft-source"] = sorted(ki.sources)[0]
        return order_keys(schema)

    def path_description(self, path: tuple, ki: KeyInfo) -> str:
        dotted = ".".join(path)
        if dotted in self.descriptions:
            self.used_descriptions.add(dotted)
            return self.descriptions[dotted]
        src = sorted(ki.sources)[0]
        return f"DeepSpeed option `{dotted}` (read in `{src.split(':')[0]}` line {src.split(':')[1]})."

    def build(self) -> dict:
        reader = self.read()
        tops = sorted(p for p in reader.keys if len(p) == 1)
        if not tops:
            die("no top-level keys found; DeepSpeedConfig has changed shape")
        # section models first, so model definitions know they are built at section level
        for p, ki in reader.keys.items():
            for cname in ki.models:
                self.section_models.add(cname)
        props = {p[0]: self.key_schema(reader, p) for p in tops}
        # paths in the auto-keys file that point inside free-form sections (optimizer.params.lr, ...)
        for dotted, spec in sorted(self.auto_keys.items()):
            if dotted.startswith("$") or dotted in self.used_auto:
                continue
            parts = dotted.split(".")
            if parts[0][:1].isupper():
                continue  # Model.field entries are applied in model_schema
            node = props.get(parts[0])
            if node is None:
                self.warnings.append(f"auto key {dotted}: no top-level key {parts[0]}")
                continue
            for part in parts[1:-1]:
                node.setdefault("properties", {})
                node = node["properties"].setdefault(part, {"type": "object", "description": f"`{part}` block."})
            leaf = node.setdefault("properties", {}).get(parts[-1])
            s = {"type": spec["type"]} if isinstance(spec.get("type"), str) else ({"type": list(spec["type"])} if spec.get("type") else {})
            if "enum" in spec:
                s["enum"] = list(spec["enum"])
            if spec.get("items"):
                s["items"] = spec["items"]
            s = with_auto(s) if spec.get("auto", True) else s
            s["description"] = self.descriptions.get(dotted) or (
                f"Filled in by the launcher when set to \"auto\" ({spec['filled_by']})." if spec.get("filled_by") else f"DeepSpeed option `{dotted}`."
            )
            if dotted in self.descriptions:
                self.used_descriptions.add(dotted)
            if spec.get("filled_by"):
                s["x-lft-auto-filled-by"] = spec["filled_by"]
            node["properties"][parts[-1]] = order_keys(s) if leaf is None else leaf
            self.used_auto.add(dotted)
        unused_auto = sorted(k for k in self.auto_keys if not k.startswith("$") and k not in self.used_auto)
        if unused_auto:
            self.warnings.append("auto keys not applied: " + ", ".join(unused_auto))
        # built after: definitions for section models
        defs = dict(sorted(self.builder.definitions.items()))
        zero = defs.get("DeepSpeedZeroConfig") or die("DeepSpeedZeroConfig not found")
        n_zero_fields = sum(1 for v in zero["properties"].values() if "x-lft-alias-of" not in v)
        n_zero_alias = sum(1 for v in zero["properties"].values() if "x-lft-alias-of" in v)
        doc = {
            "$schema": "http://json-schema.org/draft-07/schema#",
            "$id": "https://lspfinetune.dev/schemas/deepspeed.schema.json",
            "$comment": (
                f"Generated by {GENERATOR} from {REPO}@{self.commit} (deepspeed/runtime/config.py and the readers "
                "it calls, read with ast; nothing was imported). Do not edit by hand: rerun the generator. "
                "Top-level keys are the ones DeepSpeedConfig reads; DeepSpeed ignores any other top-level key "
                "silently, the schema reports it (keys starting with '_' are let through as comments). Blocks built "
                "into DeepSpeedConfigModel classes refuse unknown keys (extra='forbid') and drop \"auto\" values; "
                "hand-parsed blocks ignore unknown keys (x-lft-extra: ignore). \"auto\" is also allowed where the "
                "Hugging Face Trainer or accelerate fills it (x-lft-auto-filled-by, scripts/schemas/deepspeed-auto-keys.json)."
            ),
            "title": "DeepSpeed config JSON",
            "description": "A DeepSpeed configuration (ds_config.json): ZeRO stage and offload, precision, batch sizes, optimizer and scheduler.",
            "x-lft-upstream": {
                "repo": REPO,
                "commit": self.commit,
                "generator": GENERATOR,
                "root": f"{self.cmod.rel}:{self.ccls.lineno} {CONFIG_CLASS}",
            },
            "type": "object",
            "properties": dict(sorted(props.items())),
            "patternProperties": {"^_": {"description": "Comment key (DeepSpeed ignores it)."}},
            "additionalProperties": False,
            "x-lft-counts": {
                "top_level_keys": len(props),
                "zero_optimization_fields": n_zero_fields,
                "zero_optimization_alias_spellings": n_zero_alias,
            },
            "definitions": defs,
        }
        unused = sorted(set(self.descriptions) - self.used_descriptions)
        if unused:
            self.warnings.append("descriptions not used (no such key): " + ", ".join(unused))
        if self.builder.unknown:
            self.warnings.append("annotations treated as 'any': " + ", ".join(sorted(self.builder.unknown)))
        return doc


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--source", required=True, help="DeepSpeed checkout (folder that holds deepspeed/)")
    ap.add_argument("--commit", required=True)
    ap.add_argument("--descriptions", default=os.path.join(HERE, "deepspeed-descriptions.json"))
    ap.add_argument("--hints", default=os.path.join(HERE, "deepspeed-key-hints.json"), help="'auto' and type hints")
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("--strict", action="store_true", help="fail on warnings")
    args = ap.parse_args(argv)
    if not re.fullmatch(r"[0-9a-f]{7,40}", args.commit):
        ap.error("--commit must be a hex commit id")
    with open(args.descriptions, encoding="utf-8") as fh:
        descriptions = json.load(fh)
    descriptions.pop("$comment", None)
    with open(args.hints, encoding="utf-8") as fh:
        auto_keys = json.load(fh)
    try:
        gen = Generator(args.source, args.commit, descriptions, auto_keys)
        doc = gen.build()
    except GeneratorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for w in gen.warnings:
        print(f"warning: {w}", file=sys.stderr)
    if args.strict and gen.warnings:
        return 1
    dump(doc, args.output)
    c = doc["x-lft-counts"]
    print(
        f"wrote {args.output}: {c['top_level_keys']} top-level keys, zero_optimization {c['zero_optimization_fields']} fields "
        f"+ {c['zero_optimization_alias_spellings']} alias spellings, {len(doc['definitions'])} definitions",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
