"""The comparison table of AI tool plans (`toolguide/tools.yaml`) and its strict loader.

Pure Python, no Flask. Trainers update the file in git; `load_table` reads it and reports every problem as a
`SourceError` (`path:line: message`, like the course parser): unknown or missing keys, a missing checked date or
vendor URL, a bad price range. `flask toolguide check` prints them; the web guide refuses to run on a bad file.

Every field of a tool carries the date it was checked and the vendor page it was checked on. A value nobody could
confirm is written `check` and shown as 「要確認」; a price is never guessed.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import yaml

from lms.core.frontmatter import N_, Invalid, SourceError, Template, decode, is_slug, text_value

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "toolguide" / "tools.yaml"

CHECK = "check"  # the value nobody could confirm: shown as 「要確認」 with the vendor page

TYPES = ("chat", "office", "consumer")  # a business chat plan, AI inside the office suite, a general free version
ENVIRONMENTS = ("m365", "google", "any")
DATA_CLASSES = ("public", "internal", "personal")  # the most sensitive data a plan is meant for (要配慮 never)
PRICE_KINDS = ("yen", "usd", "included", "free", CHECK)
TRAINING = ("not_used", "used", CHECK)  # are inputs used for training by default?
INDEMNITY = ("yes", "no", CHECK)

URL_RE = re.compile(r"https?://[^\s/$.?#][^\s]*")


@dataclass(frozen=True)
class Fact:
    """One field of one tool: its value, a note, the date it was checked and the vendor page."""

    value: Any
    checked: dt.date
    source: str
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def unconfirmed(self) -> bool:
        return self.value == CHECK


@dataclass(frozen=True)
class Tool:
    id: str
    name: str
    vendor: str
    type: str
    environment: str
    data: str
    summary: str
    price: Fact  # value: the price kind; extra["range"]: (low, high) in that currency for yen/usd
    min_seats: Fact  # value: a whole number or "check"
    training: Fact
    admin: Fact  # value: text
    indemnity: Fact
    data_location: Fact  # value: text; extra["foreign_provider"]: bool
    line: int = 0

    @property
    def facts(self) -> dict[str, Fact]:
        return {name: getattr(self, name) for name in FACT_FIELDS}


@dataclass(frozen=True)
class Table:
    checked: dt.date
    usd_rate: int | None  # yen per US dollar, for prices the vendor states in dollars
    tools: tuple[Tool, ...]
    path: str = ""

    def get(self, tool_id: str) -> Tool | None:
        return next((t for t in self.tools if t.id == tool_id), None)

    def yen_range(self, tool: Tool) -> tuple[int, int] | None:
        """The price band in yen per person per month (dollars converted at `usd_rate`), or None when not a figure."""
        price = tool.price
        if price.value == "yen":
            low, high = price.extra["range"]
            return int(low), int(high)
        if price.value == "usd" and self.usd_rate:
            low, high = price.extra["range"]
            return round(low * self.usd_rate), round(high * self.usd_rate)
        if price.value in ("included", "free"):
            return 0, 0
        return None


class TableInvalid(Exception):
    def __init__(self, errors: list[SourceError]) -> None:
        super().__init__("\n".join(map(str, errors)))
        self.errors = errors


# --- the schema ----------------------------------------------------------------------------------

FACT_FIELDS = ("price", "min_seats", "training", "admin", "indemnity", "data_location")
TOOL_KEYS = ("id", "name", "vendor", "type", "environment", "data", "summary") + FACT_FIELDS
TOP_KEYS = ("checked", "usd_rate", "tools")
COMMON_FACT_KEYS = ("checked", "source", "note")


def _choice(options: tuple[str, ...]) -> Callable[[str, Any], str]:
    def check(key: str, value: Any) -> str:
        if not isinstance(value, str) or value not in options:
            raise Invalid(N_("unknown %(key)s %(value)s; use one of: %(options)s"),
                          key=key, value=repr(value), options=", ".join(options))
        return value
    return check


def _date(key: str, value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    if not isinstance(value, dt.date):
        raise Invalid(N_("%(key)s must be a date written YYYY-MM-DD, not %(value)s"), key=key, value=repr(value))
    return value


def _url(key: str, value: Any) -> str:
    text = text_value(key, value)
    if not URL_RE.fullmatch(text):
        raise Invalid(N_("%(key)s must be the vendor page's address (https://...), not %(value)s"),
                      key=key, value=repr(value))
    return text


def _whole(low: int) -> Callable[[str, Any], int]:
    def check(key: str, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise Invalid(N_("%(key)s must be a whole number of %(low)d or more, not %(value)s"),
                          key=key, low=low, value=repr(value))
        return value
    return check


def _seats(key: str, value: Any) -> int | str:
    if value == CHECK:
        return CHECK
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise Invalid(N_("%(key)s must be a whole number of 1 or more, or check (要確認), not %(value)s"),
                      key=key, value=repr(value))
    return value


def _range(key: str, value: Any) -> tuple[float, float]:
    ok = (isinstance(value, list) and len(value) == 2
          and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value))
    if not ok:
        raise Invalid(N_("%(key)s must be two numbers [low, high], like [3000, 4500], not %(value)s"),
                      key=key, value=repr(value))
    low, high = value
    if low < 0 or low > high:
        raise Invalid(N_("%(key)s must go from low to high, both 0 or more: [%(low)s, %(high)s] is not a range"),
                      key=key, low=low, high=high)
    return low, high


def _indemnity(key: str, value: Any) -> str:
    if isinstance(value, bool):  # YAML reads a bare yes/no as true/false
        return "yes" if value else "no"
    return _choice(INDEMNITY)(key, value)


def _boolean(key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise Invalid(N_("%(key)s must be true or false, not %(value)s"), key=key, value=repr(value))
    return value


# Each fact field: its own keys (checked, source and note are common to all) and which are required.
FACT_SCHEMAS: dict[str, dict[str, tuple[Callable[[str, Any], Any], bool]]] = {
    "price": {"kind": (_choice(PRICE_KINDS), True), "range": (_range, False)},
    "min_seats": {"value": (_seats, True)},
    "training": {"value": (_choice(TRAINING), True)},
    "admin": {"value": (text_value, True)},
    "indemnity": {"value": (_indemnity, True)},
    "data_location": {"value": (text_value, True), "foreign_provider": (_boolean, True)},
}


# --- the walker ----------------------------------------------------------------------------------

class _Reader:
    """Walks the YAML node tree with line numbers and collects every problem."""

    def __init__(self, path: str, loader: yaml.SafeLoader) -> None:
        self.path = path
        self.loader = loader
        self.errors: list[SourceError] = []

    def error(self, node: yaml.Node | int, message: Template, **params: Any) -> None:
        line = node if isinstance(node, int) else node.start_mark.line + 1
        self.errors.append(SourceError(self.path, line, message, params))

    def mapping(self, node: yaml.Node, keys: tuple[str, ...], where: str) -> dict[str, yaml.Node] | None:
        """The key → value nodes of a mapping (None when it is not one); unknown and duplicate keys are errors."""
        if not isinstance(node, yaml.MappingNode):
            self.error(node, N_("%(where)s must be 'key: value' lines (a YAML mapping)"), where=where)
            return None
        found: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if key not in keys:
                self.error(key_node, N_("unknown key %(key)s in %(where)s; allowed keys: %(allowed)s"),
                           key=repr(key if key is not None else key_node.id), where=where, allowed=", ".join(keys))
            elif key in found:
                self.error(key_node, N_("duplicate key '%(key)s' in %(where)s (already set on line %(first)d)"),
                           key=key, where=where, first=found[key].start_mark.line + 1)
            else:
                found[key] = value_node
        return found

    def require(self, node: yaml.Node, found: dict[str, yaml.Node], keys: tuple[str, ...], where: str) -> bool:
        missing = [k for k in keys if k not in found]
        for key in missing:
            self.error(node, N_("missing required key '%(key)s' in %(where)s"), key=key, where=where)
        return not missing

    def value(self, node: yaml.Node, key: str, check: Callable[[str, Any], Any]) -> Any:
        try:
            return check(key, self.loader.construct_object(node, deep=True))
        except Invalid as exc:
            self.error(node, exc.message, **exc.params)
        except yaml.MarkedYAMLError as exc:
            self.error(node, N_("invalid value for %(key)s: %(problem)s"), key=key, problem=str(exc.problem))
        except (ValueError, OverflowError) as exc:  # an impossible date like 2026-02-30
            self.error(node, N_("invalid value for %(key)s: %(problem)s"), key=key, problem=str(exc))
        return _BAD


_BAD = object()  # a value that failed its check (the error is recorded)


def parse_table(text: str, path: str = "toolguide/tools.yaml") -> tuple[Table | None, list[SourceError]]:
    """The table in `text` (normalised), or None with every problem found."""
    loader = yaml.SafeLoader(text)
    reader = _Reader(path, loader)
    try:
        try:
            root = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            reader.error(mark.line + 1 if mark else 1, N_("invalid YAML: %(problem)s"),
                         problem=str(exc.problem or exc))
            return None, reader.errors
        except yaml.YAMLError as exc:
            reader.error(1, N_("invalid YAML: %(problem)s"), problem=str(exc))
            return None, reader.errors
        if root is None:
            reader.error(1, N_("the file is empty: it needs checked, usd_rate and tools"))
            return None, reader.errors
        table = _read_table(reader, root)
    finally:
        loader.dispose()
    return (table if not reader.errors else None), reader.errors


def _read_table(reader: _Reader, root: yaml.Node) -> Table | None:
    top = reader.mapping(root, TOP_KEYS, "the file")
    if top is None or not reader.require(root, top, ("checked", "tools"), "the file"):
        return None
    checked = reader.value(top["checked"], "checked", _date)
    usd_rate = reader.value(top["usd_rate"], "usd_rate", _whole(1)) if "usd_rate" in top else None
    tools_node = top["tools"]
    if not isinstance(tools_node, yaml.SequenceNode) or not tools_node.value:
        reader.error(tools_node, N_("tools must be a list of tools, each starting with '- id: ...'"))
        return None
    tools: list[Tool] = []
    seen: dict[str, int] = {}
    for item in tools_node.value:
        tool = _read_tool(reader, item, checked if isinstance(checked, dt.date) else None)
        if tool is None:
            continue
        if tool.id in seen:
            reader.error(tool.line, N_("duplicate tool id '%(id)s' (already used on line %(first)d)"),
                         id=tool.id, first=seen[tool.id])
        seen.setdefault(tool.id, tool.line)
        if tool.price.value == "usd" and usd_rate in (None, _BAD):
            reader.error(tool.line, N_("tool '%(id)s' states its price in US dollars: set usd_rate (yen per dollar) "
                                       "at the top of the file"), id=tool.id)
        tools.append(tool)
    if reader.errors or checked is _BAD:
        return None
    return Table(checked=checked, usd_rate=usd_rate, tools=tuple(tools), path=reader.path)


def _read_tool(reader: _Reader, node: yaml.Node, table_checked: dt.date | None) -> Tool | None:
    line = node.start_mark.line + 1
    found = reader.mapping(node, TOOL_KEYS, "a tool")
    if found is None:
        return None
    tool_id = found.get("id")
    where = f"tool '{tool_id.value}'" if isinstance(tool_id, yaml.ScalarNode) else "a tool"
    if not reader.require(node, found, TOOL_KEYS, where):
        for key in set(found) & set(TOOL_KEYS):  # still report what is wrong with the keys that are there
            _read_key(reader, key, found[key], table_checked, where)
        return None
    values = {key: _read_key(reader, key, found[key], table_checked, where) for key in TOOL_KEYS}
    if any(v is _BAD for v in values.values()):
        return None
    if values["type"] == "consumer" and values["data"] != "public":
        reader.error(found["data"], N_("a general free version (type: consumer) is never for business data: "
                                       "set data: public"))
        return None
    return Tool(line=line, **values)


SIMPLE_KEYS: dict[str, Callable[[str, Any], Any]] = {
    "name": text_value, "vendor": text_value, "summary": text_value,
    "type": _choice(TYPES), "environment": _choice(ENVIRONMENTS), "data": _choice(DATA_CLASSES),
}


def _read_key(reader: _Reader, key: str, node: yaml.Node, table_checked: dt.date | None, where: str) -> Any:
    if key == "id":
        def slug(k: str, v: Any) -> str:
            if not isinstance(v, str) or not is_slug(v):
                raise Invalid(N_("%(key)s must be a slug (lowercase letters, digits and single dashes, at most 64), "
                                 "not %(value)s"), key=k, value=repr(v))
            return v
        return reader.value(node, key, slug)
    if key in SIMPLE_KEYS:
        return reader.value(node, key, SIMPLE_KEYS[key])
    return _read_fact(reader, key, node, table_checked, where)


def _read_fact(reader: _Reader, name: str, node: yaml.Node, table_checked: dt.date | None, where: str) -> Any:
    schema = FACT_SCHEMAS[name]
    place = f"{name} of {where}"
    found = reader.mapping(node, tuple(schema) + COMMON_FACT_KEYS, place)
    if found is None:
        return _BAD
    required = tuple(k for k, (_, needed) in schema.items() if needed) + ("checked", "source")
    complete = reader.require(node, found, required, place)
    values: dict[str, Any] = {}
    for key, value_node in found.items():
        check = schema[key][0] if key in schema else {"checked": _date, "source": _url, "note": text_value}[key]
        values[key] = reader.value(value_node, f"{name}.{key}", check)
    if not complete or any(v is _BAD for v in values.values()):
        return _BAD
    checked: dt.date = values["checked"]
    if table_checked is not None and checked > table_checked:
        reader.error(found["checked"], N_("%(key)s is %(date)s, after the table's own checked date %(table)s: "
                                          "move the table's date forward when you check a field"),
                     key=f"{name}.checked", date=checked.isoformat(), table=table_checked.isoformat())
        return _BAD
    if name == "price":
        kind, has_range = values["kind"], "range" in values
        if kind in ("yen", "usd") and not has_range:
            reader.error(node, N_("price.kind %(kind)s needs range: [low, high] per person per month"), kind=kind)
            return _BAD
        if kind not in ("yen", "usd") and has_range:
            reader.error(found["range"], N_("price.kind %(kind)s has no figures: remove range, or set kind to yen or "
                                            "usd"), kind=kind)
            return _BAD
        return Fact(kind, checked, values["source"], values.get("note", ""),
                    {"range": values["range"]} if has_range else {})
    if name == "data_location":
        return Fact(values["value"], checked, values["source"], values.get("note", ""),
                    {"foreign_provider": values["foreign_provider"]})
    return Fact(values["value"], checked, values["source"], values.get("note", ""))


def read_table_file(path: Path, shown: str | None = None) -> tuple[Table | None, list[SourceError]]:
    """Read and check the file at `path` (errors name `shown`, default the path as given)."""
    shown = shown or path.as_posix()
    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, [SourceError(shown, 1, f"cannot read the file: {exc.strerror}")]
    text, errors = decode(data, shown)
    if text is None:
        return None, errors
    return parse_table(text, shown)


def load_table(path: Path = DEFAULT_PATH) -> Table:
    """The table at `path`. :raise TableInvalid: listing every problem."""
    table, errors = read_table_file(path)
    if table is None:
        raise TableInvalid(errors)
    return table


_CACHE: dict[Path, tuple[float, Table]] = {}


def cached_table(path: Path = DEFAULT_PATH) -> Table:
    """`load_table`, read again only when the file changed (the web guide asks on every request)."""
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return load_table(path)  # raises TableInvalid naming the file
    hit = _CACHE.get(path)
    if hit is not None and hit[0] == mtime:
        return hit[1]
    table = load_table(path)
    _CACHE[path] = (mtime, table)
    return table
