"""Static (ast-only) reader of pydantic models for the schema generators in this folder.

Nothing here imports or runs upstream code: modules are parsed with ``ast`` and names are
resolved through their ``import`` statements. Used by generate_axolotl_schema.py and
generate_deepspeed_schema.py; Python 3.11 standard library only.
"""

from __future__ import annotations

import ast
import json
import os
import re
import sys
from dataclasses import dataclass, field
from typing import Any, Callable

NOT_LITERAL = object()

# A float as Python's float() reads it (used where upstream converts a string with float()).
FLOAT_STRING_PATTERN = r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$"


class GeneratorError(Exception):
    """Upstream source no longer has the shape a generator expects."""


# --------------------------------------------------------------------------------------------
# Modules and name resolution
# --------------------------------------------------------------------------------------------


@dataclass
class Module:
    name: str  # dotted name, e.g. axolotl.utils.schemas.config
    path: str  # absolute file path
    rel: str  # path relative to the repository root, with '/'
    tree: ast.Module
    lines: list[str]
    is_package: bool
    imports: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # local -> (module, name|None)
    star_imports: list[str] = field(default_factory=list)
    assigns: dict[str, ast.AST] = field(default_factory=dict)
    classes: dict[str, ast.ClassDef] = field(default_factory=dict)
    functions: dict[str, ast.FunctionDef] = field(default_factory=dict)


class Project:
    """A source tree rooted at ``src_root`` (the folder that holds the top-level package)."""

    def __init__(self, repo_root: str, src_root: str):
        self.repo_root = os.path.abspath(repo_root)
        self.src_root = os.path.abspath(src_root)
        self._modules: dict[str, Module | None] = {}

    # -- loading --------------------------------------------------------------------------------
    def module_file(self, modname: str) -> tuple[str, bool] | None:
        base = os.path.join(self.src_root, *modname.split("."))
        if os.path.isfile(base + ".py"):
            return base + ".py", False
        init = os.path.join(base, "__init__.py")
        if os.path.isfile(init):
            return init, True
        return None

    def load(self, modname: str) -> Module | None:
        if modname in self._modules:
            return self._modules[modname]
        found = self.module_file(modname)
        if found is None:
            self._modules[modname] = None
            return None
        path, is_pkg = found
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
        tree = ast.parse(text, filename=path)
        rel = os.path.relpath(path, self.repo_root).replace(os.sep, "/")
        mod = Module(modname, path, rel, tree, text.splitlines(), is_pkg)
        self._modules[modname] = mod
        package = modname if is_pkg else modname.rpartition(".")[0]
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                src = self._absolute(package, node.module, node.level)
                for alias in node.names:
                    if alias.name == "*":
                        mod.star_imports.append(src)
                    else:
                        mod.imports[alias.asname or alias.name] = (src, alias.name)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    mod.imports[alias.asname or alias.name.split(".")[0]] = (
                        alias.name if alias.asname else alias.name.split(".")[0],
                        None,
                    )
        for node in tree.body:
            if isinstance(node, ast.ClassDef):
                mod.classes[node.name] = node
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                mod.functions[node.name] = node
            elif isinstance(node, ast.Assign):
                for tgt in node.targets:
                    if isinstance(tgt, ast.Name):
                        mod.assigns[tgt.id] = node.value
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value:
                mod.assigns[node.target.id] = node.value
        return mod

    def load_file(self, path: str) -> Module | None:
        rel = os.path.relpath(os.path.abspath(path), self.src_root)
        parts = rel[:-3].split(os.sep)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        return self.load(".".join(parts))

    @staticmethod
    def _absolute(package: str, module: str | None, level: int) -> str:
        if level == 0:
            return module or ""
        base = package.split(".")
        if level > 1:
            base = base[: len(base) - (level - 1)]
        return ".".join(base + ([module] if module else []))

    # -- lookup ---------------------------------------------------------------------------------
    def resolve(self, mod: Module, name: str, _seen: set | None = None) -> tuple[str, Module, Any] | None:
        """Find what ``name`` means inside ``mod``: ('class'|'function'|'assign', module, node)."""
        seen = _seen if _seen is not None else set()
        key = (mod.name, name)
        if key in seen:
            return None
        seen.add(key)
        if name in mod.classes:
            return "class", mod, mod.classes[name]
        if name in mod.functions:
            return "function", mod, mod.functions[name]
        if name in mod.assigns:
            return "assign", mod, mod.assigns[name]
        if name in mod.imports:
            src, orig = mod.imports[name]
            if orig is None:
                return None
            target = self.load(src)
            if target is None:
                # maybe "from pkg import submodule"
                sub = self.load(f"{src}.{orig}")
                if sub is not None:
                    return "module", sub, sub
                return None
            hit = self.resolve(target, orig, seen)
            if hit is None:
                sub = self.load(f"{src}.{orig}")
                if sub is not None:
                    return "module", sub, sub
            return hit
        for src in mod.star_imports:
            target = self.load(src)
            if target is not None:
                hit = self.resolve(target, name, seen)
                if hit is not None:
                    return hit
        return None

    def resolve_expr(self, mod: Module, node: ast.AST):
        """Resolve a Name or a dotted Attribute (module.attr) expression."""
        if isinstance(node, ast.Name):
            return self.resolve(mod, node.id)
        if isinstance(node, ast.Attribute):
            base = self.resolve_expr(mod, node.value)
            if base and base[0] == "module":
                return self.resolve(base[1], node.attr)
        return None


# --------------------------------------------------------------------------------------------
# Literal evaluation
# --------------------------------------------------------------------------------------------

_BINOPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.FloorDiv: lambda a, b: a // b,
    ast.Pow: lambda a, b: a**b,
    ast.LShift: lambda a, b: a << b,
    ast.Mod: lambda a, b: a % b,
}


def literal(project: Project, mod: Module, node: ast.AST | None, depth: int = 0) -> Any:
    """Evaluate a constant expression statically, or return NOT_LITERAL."""
    if node is None or depth > 20:
        return NOT_LITERAL
    if isinstance(node, ast.Constant):
        if node.value is Ellipsis:
            return NOT_LITERAL
        return node.value
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        out = [literal(project, mod, e, depth + 1) for e in node.elts]
        if any(v is NOT_LITERAL for v in out):
            return NOT_LITERAL
        if isinstance(node, ast.Set):
            return sorted(out, key=repr)
        return out
    if isinstance(node, ast.Dict):
        out = {}
        for k, v in zip(node.keys, node.values):
            if k is None:
                return NOT_LITERAL
            kk = literal(project, mod, k, depth + 1)
            vv = literal(project, mod, v, depth + 1)
            if kk is NOT_LITERAL or vv is NOT_LITERAL:
                return NOT_LITERAL
            out[kk] = vv
        return out
    if isinstance(node, ast.UnaryOp):
        v = literal(project, mod, node.operand, depth + 1)
        if v is NOT_LITERAL:
            return NOT_LITERAL
        if isinstance(node.op, ast.USub):
            return -v
        if isinstance(node.op, ast.UAdd):
            return +v
        if isinstance(node.op, ast.Not):
            return not v
        return NOT_LITERAL
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        a = literal(project, mod, node.left, depth + 1)
        b = literal(project, mod, node.right, depth + 1)
        if a is NOT_LITERAL or b is NOT_LITERAL:
            return NOT_LITERAL
        try:
            return _BINOPS[type(node.op)](a, b)
        except Exception:  # noqa: BLE001
            return NOT_LITERAL
    if isinstance(node, ast.Attribute):
        if isinstance(node.value, ast.Name) and node.value.id == "sys" and node.attr == "maxsize":
            return sys.maxsize
        owner = project.resolve_expr(mod, node.value)
        if owner and owner[0] == "class":
            member = enum_member_value(project, owner[1], owner[2], node.attr)
            if member is not NOT_LITERAL:
                return member
        if owner and owner[0] == "module":
            hit = project.resolve(owner[1], node.attr)
            if hit and hit[0] == "assign":
                return literal(project, hit[1], hit[2], depth + 1)
        return NOT_LITERAL
    if isinstance(node, ast.Name):
        if node.id in ("True", "False", "None"):
            return {"True": True, "False": False, "None": None}[node.id]
        hit = project.resolve(mod, node.id)
        if hit and hit[0] == "assign":
            return literal(project, hit[1], hit[2], depth + 1)
        return NOT_LITERAL
    if isinstance(node, ast.Call):
        fname = call_name(node)
        if fname in ("pp_int", "int") and node.args:
            v = literal(project, mod, node.args[0], depth + 1)
            return NOT_LITERAL if v is NOT_LITERAL else int(v)
        if fname == "float" and node.args:
            v = literal(project, mod, node.args[0], depth + 1)
            return NOT_LITERAL if v is NOT_LITERAL else float(v)
        if fname in ("frozenset", "set", "list", "tuple") and node.args:
            v = literal(project, mod, node.args[0], depth + 1)
            if v is NOT_LITERAL:
                return NOT_LITERAL
            v = list(v)
            return sorted(v, key=repr) if fname in ("frozenset", "set") else v
        if fname in ("frozenset", "set", "list", "tuple", "dict") and not node.args and not node.keywords:
            return {} if fname == "dict" else []
        return NOT_LITERAL
    return NOT_LITERAL


def call_name(node: ast.Call) -> str | None:
    f = node.func
    if isinstance(f, ast.Name):
        return f.id
    if isinstance(f, ast.Attribute):
        return f.attr
    return None


def dotted(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


# --------------------------------------------------------------------------------------------
# Classes: enums and pydantic models
# --------------------------------------------------------------------------------------------


def base_names(cls: ast.ClassDef) -> list[str]:
    return [dotted(b) or "" for b in cls.bases]


def is_enum_class(project: Project, mod: Module, cls: ast.ClassDef, _depth: int = 0) -> bool:
    for b in cls.bases:
        name = dotted(b) or ""
        if name.split(".")[-1] in ("Enum", "IntEnum", "StrEnum", "ExplicitEnum"):
            return True
        if _depth < 5:
            hit = project.resolve_expr(mod, b)
            if hit and hit[0] == "class" and is_enum_class(project, hit[1], hit[2], _depth + 1):
                return True
    return False


def enum_members(project: Project, mod: Module, cls: ast.ClassDef) -> list[tuple[str, Any, int]]:
    """(member name, value, line). A value that is not a literal (e.g. torch.int4) is NOT_LITERAL."""
    out = []
    for node in cls.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            if name.startswith("_"):
                continue
            value = node.value
            if isinstance(value, ast.Tuple) and value.elts:  # multi-valued enum: first is canonical
                value = value.elts[0]
            out.append((name, literal(project, mod, value), node.lineno))
    return out


def enum_member_value(project: Project, mod: Module, cls: ast.ClassDef, member: str) -> Any:
    if not is_enum_class(project, mod, cls):
        return NOT_LITERAL
    for name, value, _ in enum_members(project, mod, cls):
        if name == member:
            return name if value is NOT_LITERAL else value
    return NOT_LITERAL


def enum_values(project: Project, mod: Module, cls: ast.ClassDef) -> list[Any]:
    values = []
    for name, value, _ in enum_members(project, mod, cls):
        v = name if value is NOT_LITERAL else value
        if v not in values:
            values.append(v)
    return values


def class_docstring(cls: ast.ClassDef) -> str | None:
    return ast.get_docstring(cls)


@dataclass
class FieldInfo:
    name: str
    owner: str  # class name that declares it
    module: Module
    line: int
    annotation: ast.AST
    required: bool
    default: Any = NOT_LITERAL  # NOT_LITERAL: no literal default
    alias: str | None = None
    validation_aliases: list[str] = field(default_factory=list)
    constraints: dict[str, Any] = field(default_factory=dict)  # ge/le/gt/lt/min_length/...
    deprecated: str | bool | None = None
    description: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # literal parts of json_schema_extra
    comment_above: str | None = None
    init: bool = True  # dataclasses.field(init=False): not a constructor argument, so not settable from a config
    metadata: dict[str, Any] = field(default_factory=dict)  # literal parts of dataclasses.field(metadata={...})
    metadata_nodes: dict[str, ast.AST] = field(default_factory=dict)  # the same entries as expressions


_CONSTRAINT_KW = {
    "ge": "minimum",
    "le": "maximum",
    "gt": "exclusiveMinimum",
    "lt": "exclusiveMaximum",
    "min_length": "min_length",
    "max_length": "max_length",
    "pattern": "pattern",
    "multiple_of": "multipleOf",
}


def _field_call(node: ast.AST | None) -> ast.Call | None:
    """pydantic ``Field(...)`` or ``dataclasses.field(...)``."""
    if isinstance(node, ast.Call) and call_name(node) in ("Field", "field"):
        return node
    return None


def _parse_field_call(project: Project, mod: Module, call: ast.Call, info: FieldInfo) -> None:
    if call.args:
        first = call.args[0]
        if isinstance(first, ast.Constant) and first.value is Ellipsis:
            info.required = True
        else:
            info.required = False
            info.default = literal(project, mod, first)
    for kw in call.keywords:
        if kw.arg == "default":
            if isinstance(kw.value, ast.Constant) and kw.value.value is Ellipsis:
                info.required = True
            else:
                info.required = False
                info.default = literal(project, mod, kw.value)
        elif kw.arg == "default_factory":
            info.required = False
            v = kw.value
            if isinstance(v, ast.Lambda):
                info.default = literal(project, mod, v.body)
            elif isinstance(v, ast.Name) and v.id in ("list", "dict"):
                info.default = [] if v.id == "list" else {}
            else:
                info.default = NOT_LITERAL
        elif kw.arg == "alias":
            a = literal(project, mod, kw.value)
            if isinstance(a, str):
                info.alias = a
        elif kw.arg == "validation_alias":
            if isinstance(kw.value, ast.Call) and call_name(kw.value) == "AliasChoices":
                for arg in kw.value.args:
                    a = literal(project, mod, arg)
                    if isinstance(a, str):
                        info.validation_aliases.append(a)
            else:
                a = literal(project, mod, kw.value)
                if isinstance(a, str):
                    info.validation_aliases.append(a)
        elif kw.arg in _CONSTRAINT_KW:
            v = literal(project, mod, kw.value)
            if v is not NOT_LITERAL:
                info.constraints[_CONSTRAINT_KW[kw.arg]] = v
        elif kw.arg == "deprecated":
            v = literal(project, mod, kw.value)
            info.deprecated = v if v is not NOT_LITERAL else True
        elif kw.arg == "description":
            v = literal(project, mod, kw.value)
            if isinstance(v, str):
                info.description = v
        elif kw.arg == "init":
            info.init = literal(project, mod, kw.value) is not False
        elif kw.arg == "metadata" and isinstance(kw.value, ast.Dict):
            for k, v in zip(kw.value.keys, kw.value.values):
                kk = literal(project, mod, k) if k is not None else NOT_LITERAL
                if isinstance(kk, str):
                    info.metadata_nodes[kk] = v
                    vv = literal(project, mod, v)
                    if vv is not NOT_LITERAL:
                        info.metadata[kk] = vv
                    if kk == "help" and isinstance(vv, str):
                        info.description = vv
        elif kw.arg == "json_schema_extra" and isinstance(kw.value, ast.Dict):
            for k, v in zip(kw.value.keys, kw.value.values):
                kk = literal(project, mod, k) if k is not None else NOT_LITERAL
                vv = literal(project, mod, v)
                if isinstance(kk, str) and vv is not NOT_LITERAL:
                    info.extra[kk] = vv


def _comment_above(mod: Module, lineno: int) -> str | None:
    """The '#' comment on the line(s) right above a field, if any."""
    out = []
    i = lineno - 2
    while i >= 0:
        line = mod.lines[i].strip()
        if line.startswith("#"):
            out.insert(0, line.lstrip("#").strip())
            i -= 1
            continue
        break
    return " ".join(out) if out else None


def own_fields(project: Project, mod: Module, cls: ast.ClassDef) -> list[FieldInfo]:
    out = []
    for node in cls.body:
        if not (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)):
            continue
        name = node.target.id
        if name.startswith("_") or name == "model_config":
            continue
        ann = node.annotation
        ann_name = dotted(ann.value) if isinstance(ann, ast.Subscript) else dotted(ann)
        if ann_name and ann_name.split(".")[-1] == "ClassVar":
            continue
        info = FieldInfo(name, cls.name, mod, node.lineno, ann, required=node.value is None)
        # Annotated[T, Field(...), ...]
        if isinstance(ann, ast.Subscript) and (dotted(ann.value) or "").split(".")[-1] == "Annotated":
            elts = ann.slice.elts if isinstance(ann.slice, ast.Tuple) else [ann.slice]
            for meta in elts[1:]:
                fc = _field_call(meta)
                if fc is not None:
                    info.required = True
                    _parse_field_call(project, mod, fc, info)
        fc = _field_call(node.value)
        if fc is not None:
            info.required = True
            _parse_field_call(project, mod, fc, info)
        elif node.value is not None:
            info.required = False
            info.default = literal(project, mod, node.value)
        info.comment_above = _comment_above(mod, node.lineno)
        out.append(info)
    return out


def model_config_of(project: Project, mod: Module, cls: ast.ClassDef) -> dict[str, Any]:
    for node in cls.body:
        if (
            isinstance(node, (ast.Assign, ast.AnnAssign))
            and any(isinstance(t, ast.Name) and t.id == "model_config" for t in (node.targets if isinstance(node, ast.Assign) else [node.target]))
        ):
            v = node.value
            if isinstance(v, ast.Call):
                out = {}
                for kw in v.keywords:
                    lv = literal(project, mod, kw.value)
                    out[kw.arg] = lv if lv is not NOT_LITERAL else "<expr>"
                return out
            lv = literal(project, mod, v)
            if isinstance(lv, dict):
                return lv
    return {}


@dataclass
class ModelInfo:
    name: str
    module: Module
    node: ast.ClassDef
    fields: dict[str, FieldInfo]  # in declaration order (bases first)
    config: dict[str, Any]  # merged model_config
    mro: list[tuple[Module, ast.ClassDef]]

    @property
    def extra(self) -> str:
        return str(self.config.get("extra", "ignore"))

    @property
    def populate_by_name(self) -> bool:
        return bool(self.config.get("populate_by_name", False))


PYDANTIC_ROOTS = {"BaseModel"}


def class_mro(project: Project, mod: Module, cls: ast.ClassDef, _depth: int = 0) -> list[tuple[Module, ast.ClassDef]]:
    """C3 linearisation over the classes we can resolve statically."""
    if _depth > 30:
        raise GeneratorError(f"inheritance too deep at {cls.name}")
    parents: list[list[tuple[Module, ast.ClassDef]]] = []
    direct: list[tuple[Module, ast.ClassDef]] = []
    for b in cls.bases:
        hit = project.resolve_expr(mod, b)
        if hit and hit[0] == "class":
            direct.append((hit[1], hit[2]))
            parents.append(class_mro(project, hit[1], hit[2], _depth + 1))
    seqs = [list(p) for p in parents] + [list(direct)]
    result = [(mod, cls)]
    key = lambda mc: (mc[0].name, mc[1].name)  # noqa: E731
    while True:
        seqs = [s for s in seqs if s]
        if not seqs:
            return result
        for s in seqs:
            head = s[0]
            if not any(key(head) in [key(x) for x in t[1:]] for t in seqs):
                break
        else:
            raise GeneratorError(f"inconsistent MRO for {cls.name}")
        result.append(head)
        for s in seqs:
            if s and key(s[0]) == key(head):
                del s[0]


def is_pydantic_model(project: Project, mod: Module, cls: ast.ClassDef) -> bool:
    for b in cls.bases:
        if (dotted(b) or "").split(".")[-1] in PYDANTIC_ROOTS:
            return True
    for m, c in class_mro(project, mod, cls)[1:]:
        for b in c.bases:
            if (dotted(b) or "").split(".")[-1] in PYDANTIC_ROOTS:
                return True
    return False


def model_info(project: Project, mod: Module, cls: ast.ClassDef) -> ModelInfo:
    mro = class_mro(project, mod, cls)
    fields: dict[str, FieldInfo] = {}
    config: dict[str, Any] = {}
    for m, c in reversed(mro):
        config.update(model_config_of(project, m, c))
        for f in own_fields(project, m, c):
            if f.name in fields:
                del fields[f.name]  # the subclass' declaration wins (and takes its place)
            fields[f.name] = f
    return ModelInfo(cls.name, mod, cls, fields, config, mro)


# --------------------------------------------------------------------------------------------
# Annotation -> JSON Schema
# --------------------------------------------------------------------------------------------


class SchemaBuilder:
    """Turns annotations into draft-07 schema fragments and collects ``definitions``."""

    def __init__(self, project: Project, external: dict[str, dict] | None = None):
        self.project = project
        self.definitions: dict[str, dict] = {}
        self.definition_sources: dict[str, str] = {}
        self.external = external or {}
        self.model_hook: Callable[["SchemaBuilder", ModelInfo], dict] | None = None
        self.enum_hook: Callable[[Module, ast.ClassDef, list], dict] | None = None
        self.unknown: set[str] = set()
        self.models: dict[str, ModelInfo] = {}

    # ---- class references ----
    def ref_for_class(self, mod: Module, cls: ast.ClassDef) -> dict:
        name = cls.name
        src = f"{mod.rel}:{cls.lineno}"
        if name in self.definition_sources and self.definition_sources[name] != src:
            raise GeneratorError(f"two classes named {name}: {self.definition_sources[name]} and {src}")
        if name not in self.definitions:
            self.definition_sources[name] = src
            self.definitions[name] = {}  # placeholder against recursion
            if is_enum_class(self.project, mod, cls):
                values = enum_values(self.project, mod, cls)
                schema: dict[str, Any] = {"enum": values}
                types = sorted({_json_type(v) for v in values})
                if len(types) == 1:
                    schema = {"type": types[0], "enum": values}
                if self.enum_hook:
                    schema = self.enum_hook(mod, cls, values) or schema
                schema.setdefault("x-lft-source", src)
                self.definitions[name] = schema
            elif is_pydantic_model(self.project, mod, cls):
                info = model_info(self.project, mod, cls)
                self.models[name] = info
                if self.model_hook is None:
                    raise GeneratorError("no model hook")
                self.definitions[name] = self.model_hook(self, info)
            else:
                self.unknown.add(name)
                self.definitions[name] = {"x-lft-source": src}
        return {"$ref": f"#/definitions/{name}"}

    # ---- annotations ----
    def annotation(self, mod: Module, node: ast.AST) -> dict:
        """Schema for an annotation; the result may contain a "x-nullable": True marker (removed by caller)."""
        if isinstance(node, ast.Constant):
            if node.value is None:
                return {"type": "null"}
            if isinstance(node.value, str):  # forward reference "ClassName"
                try:
                    return self.annotation(mod, ast.parse(node.value, mode="eval").body)
                except SyntaxError:
                    return {}
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            return self.union(mod, _flatten_union(node))
        if isinstance(node, ast.Subscript):
            head = (dotted(node.value) or "").split(".")[-1]
            args = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
            if head in ("Optional",):
                return self.union(mod, [args[0], ast.Constant(None)])
            if head == "Union":
                return self.union(mod, [a for arg in args for a in _flatten_union(arg)])
            if head == "Literal":
                values = [literal(self.project, mod, a) for a in args]
                values = [v for v in values if v is not NOT_LITERAL]
                return {"enum": values}
            if head == "Annotated":
                inner = self.annotation(mod, args[0])
                for meta in args[1:]:
                    if isinstance(meta, ast.Call):
                        mname = call_name(meta)
                        if mname == "MinLen" and meta.args:
                            inner = _apply_len(inner, "min", literal(self.project, mod, meta.args[0]))
                        elif mname == "MaxLen" and meta.args:
                            inner = _apply_len(inner, "max", literal(self.project, mod, meta.args[0]))
                        elif mname == "StringConstraints":
                            for kw in meta.keywords:
                                v = literal(self.project, mod, kw.value)
                                if kw.arg == "pattern" and isinstance(v, str):
                                    inner = dict(inner, pattern=v)
                                elif kw.arg == "min_length":
                                    inner = dict(inner, minLength=v)
                                elif kw.arg == "max_length":
                                    inner = dict(inner, maxLength=v)
                return inner
            if head in ("list", "List", "Sequence", "set", "Set", "frozenset", "FrozenSet"):
                schema = {"type": "array"}
                item = self.annotation(mod, args[0])
                if item:
                    schema["items"] = item
                if head.lower() in ("set", "frozenset"):
                    schema["uniqueItems"] = True
                return schema
            if head in ("tuple", "Tuple"):
                if len(args) == 2 and isinstance(args[1], ast.Constant) and args[1].value is Ellipsis:
                    return {"type": "array", "items": self.annotation(mod, args[0])}
                items = [self.annotation(mod, a) for a in args]
                return {"type": "array", "items": items, "minItems": len(items), "maxItems": len(items)}
            if head in ("dict", "Dict", "Mapping", "MutableMapping"):
                schema: dict[str, Any] = {"type": "object"}
                if len(args) == 2:
                    val = self.annotation(mod, args[1])
                    if val:
                        schema["additionalProperties"] = val
                return schema
            if head == "Type":
                return {"type": "string"}
            return self.annotation(mod, node.value)
        name = dotted(node)
        if name is None:
            return {}
        short = name.split(".")[-1]
        simple = {
            "str": {"type": "string"},
            "int": {"type": "integer"},
            "float": {"type": "number"},
            "bool": {"type": "boolean"},
            "bytes": {"type": "string"},
            "None": {"type": "null"},
            "NoneType": {"type": "null"},
            "dict": {"type": "object"},
            "Dict": {"type": "object"},
            "list": {"type": "array"},
            "List": {"type": "array"},
            "tuple": {"type": "array"},
            "Any": {},
            "object": {},
            "Path": {"type": "string"},
            "PositiveInt": {"type": "integer", "exclusiveMinimum": 0},
            "NonNegativeInt": {"type": "integer", "minimum": 0},
            "PositiveFloat": {"type": "number", "exclusiveMinimum": 0},
            "NonNegativeFloat": {"type": "number", "minimum": 0},
        }
        if short in simple and not (isinstance(node, ast.Name) and self._is_local_class(mod, short)):
            return dict(simple[short])
        hit = self.project.resolve_expr(mod, node)
        if hit and hit[0] == "class":
            return self.ref_for_class(hit[1], hit[2])
        if hit and hit[0] == "assign":  # a type alias such as PassName = Literal[...]
            return self.annotation(hit[1], hit[2])
        if short in self.external:
            if short not in self.definitions:
                self.definitions[short] = dict(self.external[short])
            return {"$ref": f"#/definitions/{short}"}
        self.unknown.add(name)
        return {}

    def _is_local_class(self, mod: Module, name: str) -> bool:
        return name in mod.classes

    def union(self, mod: Module, members: list[ast.AST]) -> dict:
        parts = []
        for m in members:
            s = self.annotation(mod, m)
            if s == {}:
                return {}  # Any in a union: anything goes
            parts.append(s)
        return merge_union(parts)


def _flatten_union(node: ast.AST) -> list[ast.AST]:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _flatten_union(node.left) + _flatten_union(node.right)
    return [node]


def _apply_len(schema: dict, which: str, n: Any) -> dict:
    if not isinstance(n, int):
        return schema
    if "anyOf" in schema:
        return dict(schema, anyOf=[_apply_len(s, which, n) for s in schema["anyOf"]])
    t = schema.get("type")
    if t == "array":
        return dict(schema, **{f"{which}Items": n})
    if t == "string":
        return dict(schema, **{f"{which}Length": n})
    if t == "object":
        return dict(schema, **{f"{which}Properties": n})
    return schema


def _json_type(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int):
        return "integer"
    if isinstance(v, float):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    return "object"


def _only_type(s: dict) -> str | None:
    """The type name if ``s`` is a bare {"type": X}."""
    if set(s) == {"type"} and isinstance(s["type"], str):
        return s["type"]
    return None


def merge_union(parts: list[dict]) -> dict:
    """Combine union members; enums of literals, booleans and null fold into one enum."""
    flat: list[dict] = []
    for p in parts:
        if set(p) == {"anyOf"}:
            flat.extend(p["anyOf"])
        else:
            flat.append(p)
    # drop duplicates, keep order
    uniq: list[dict] = []
    for p in flat:
        if p not in uniq:
            uniq.append(p)
    # literal-only unions (Literal, bool, None) -> single enum
    enumish = True
    has_literal = False
    values: list[Any] = []
    for p in uniq:
        if set(p) == {"enum"} or (set(p) == {"enum", "type"}):
            values.extend(p["enum"])
            has_literal = True
        elif _only_type(p) == "boolean":
            values.extend([True, False])
        elif _only_type(p) == "null":
            values.append(None)
        else:
            enumish = False
            break
    if enumish and has_literal and values:
        out: list[Any] = []
        for v in values:
            if not any(v is o or (type(v) is type(o) and v == o) for o in out):
                out.append(v)
        types: list[str] = []
        for v in out:
            t = _json_type(v)
            if t not in types:
                types.append(t)
        if "integer" in types and "number" in types:
            types.remove("integer")
        return {"type": types[0] if len(types) == 1 else types, "enum": out}
    # bare types -> one "type" list
    if all(_only_type(p) for p in uniq):
        types = []
        for p in uniq:
            if p["type"] not in types:
                types.append(p["type"])
        if "integer" in types and "number" in types:
            types.remove("integer")
        return {"type": types[0] if len(types) == 1 else types}
    # nullable single schema: keep anyOf (draft-07 has no "nullable")
    if len(uniq) == 1:
        return uniq[0]
    return {"anyOf": uniq}


def allows_null(schema: dict) -> bool:
    if schema == {}:
        return True
    t = schema.get("type")
    if t == "null" or (isinstance(t, list) and "null" in t):
        return True
    if "enum" in schema and None in schema["enum"]:
        return True
    return any(allows_null(s) for s in schema.get("anyOf", []))


def add_null(schema: dict) -> dict:
    if allows_null(schema):
        return schema
    return merge_union([schema, {"type": "null"}])


def apply_constraints(schema: dict, constraints: dict[str, Any]) -> dict:
    """Put ge/le/... on the numeric (or string/array) member of a schema."""
    if not constraints:
        return schema
    num = {k: v for k, v in constraints.items() if k in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")}
    lens = {k: v for k, v in constraints.items() if k in ("min_length", "max_length")}
    pattern = constraints.get("pattern")

    def fix(s: dict) -> dict:
        t = s.get("type")
        types = t if isinstance(t, list) else [t]
        s = dict(s)
        if num and ("integer" in types or "number" in types):
            s.update(num)  # numeric keywords constrain numbers only, so a type list such as [integer, null] is fine
        if lens:
            if "string" in types:
                if "min_length" in lens:
                    s["minLength"] = lens["min_length"]
                if "max_length" in lens:
                    s["maxLength"] = lens["max_length"]
            if "array" in types:
                if "min_length" in lens:
                    s["minItems"] = lens["min_length"]
                if "max_length" in lens:
                    s["maxItems"] = lens["max_length"]
        if pattern and "string" in types:
            s["pattern"] = pattern
        return s

    if "anyOf" in schema:
        return dict(schema, anyOf=[fix(s) for s in schema["anyOf"]])
    return fix(schema)


def jsonable(v: Any) -> Any:
    """A default value as JSON, or NOT_LITERAL when it has no JSON form."""
    if v is NOT_LITERAL:
        return NOT_LITERAL
    if isinstance(v, float) and (v != v or v in (float("inf"), float("-inf"))):
        return NOT_LITERAL
    try:
        json.dumps(v, allow_nan=False)
    except (TypeError, ValueError):
        return NOT_LITERAL
    if isinstance(v, tuple):
        return list(v)
    return v


ORDER_FIRST = ["description", "$ref", "type", "enum", "const", "anyOf", "items", "properties", "additionalProperties", "pattern"]


def order_keys(s: dict) -> dict:
    """A property schema's keys in a fixed order: the JSON Schema ones first, then default/deprecated, then x-lft-*."""
    out = {k: s[k] for k in ORDER_FIRST if k in s}
    for k in s:
        if k not in out and not k.startswith("x-lft") and k not in ("default", "deprecated"):
            out[k] = s[k]
    for k in ("default", "deprecated"):
        if k in s:
            out[k] = s[k]
    for k in sorted(k for k in s if k.startswith("x-lft")):
        out[k] = s[k]
    return out


def dump(schema: dict, path: str) -> None:
    text = json.dumps(schema, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)


def first_sentence_mentions(text: str | None) -> list[str]:
    """Backticked or bare key names after 'use'/'Use' in a deprecation message."""
    if not text:
        return []
    out = []
    for m in re.finditer(r"[Uu]se\s+(?:the\s+)?`?([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)*)`?", text):
        out.append(m.group(1))
    return out
