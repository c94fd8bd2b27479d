"""Read the POST forms of a page as a browser sees them: fields, their labels and current values (stdlib only)."""
from __future__ import annotations

import html as htmllib
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

TEXT_INPUTS = {"text", "email", "password", "search", "tel", "url", "number", "date", "time", "datetime-local", "month", "week"}


@dataclass
class FormField:
    name: str
    kind: str  # an input type, "textarea" or "select"
    label: str  # the visible label (a group's legend for radios and checkboxes); "" for hidden fields
    options: list[str] = field(default_factory=list)  # select, radio and checkbox values


@dataclass
class PageForm:
    action: str
    fields: dict[str, FormField] = field(default_factory=dict)
    values: list[tuple[str, str]] = field(default_factory=list)  # what the browser would send unchanged

    @property
    def attackable(self) -> list[FormField]:
        return [f for f in self.fields.values() if f.name != "csrf_token" and f.kind not in ("file", "submit", "button")]


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


class _Parser(HTMLParser):
    def __init__(self, page_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[PageForm] = []
        self.form: PageForm | None = None
        self.labels_for: dict[str, str] = {}
        self.ids: dict[str, FormField] = {}
        self.label: list[str] | None = None
        self.label_for: str | None = None
        self.wrapped: list[FormField] = []
        self.legends: list[str] = []
        self.legend: list[str] | None = None
        self.textarea: tuple[str, list[str]] | None = None
        self.select: FormField | None = None
        self.option: tuple[str, bool] | None = None
        self.select_chosen: str | None = None

    def _add(self, name: str, kind: str, element_id: str | None, option: str | None = None) -> FormField:
        assert self.form is not None
        grouped = kind in ("radio", "checkbox") and self.legends
        found = self.form.fields.get(name)
        if found is None:
            found = self.form.fields[name] = FormField(name, kind, self.legends[-1] if grouped else "")
        if option is not None and option not in found.options:
            found.options.append(option)
        if element_id and not grouped:
            self.ids[element_id] = found
        if self.label is not None and not grouped and self.label_for is None:
            self.wrapped.append(found)
        return found

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "get").lower() == "post":
            self.form = PageForm(a.get("action") or self.page_url)
            self.forms.append(self.form)
        elif tag == "fieldset":
            self.legends.append("")
        elif tag == "legend":
            self.legend = []
        elif tag == "label":
            self.label, self.label_for, self.wrapped = [], a.get("for"), []
        elif self.form is None or "name" not in a or "disabled" in a:
            return
        elif tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("radio", "checkbox"):
                self._add(a["name"], kind, a.get("id"), a.get("value", "on"))
                if "checked" in a:
                    self.form.values.append((a["name"], a.get("value", "on")))
            else:
                self._add(a["name"], kind, a.get("id"))
                if kind not in ("submit", "button", "file"):
                    self.form.values.append((a["name"], a.get("value", "")))
        elif tag == "textarea":
            self._add(a["name"], "textarea", a.get("id"))
            self.textarea = (a["name"], [])
        elif tag == "select":
            self.select = self._add(a["name"], "select", a.get("id"))
            self.select_chosen = None
        elif tag == "button" and a.get("name"):
            self._add(a["name"], "button", a.get("id"))

    def handle_data(self, data: str) -> None:
        if self.legend is not None:
            self.legend.append(data)
        if self.label is not None:
            self.label.append(data)
        if self.textarea is not None:
            self.textarea[1].append(data)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.form = None
        elif tag == "fieldset" and self.legends:
            self.legends.pop()
        elif tag == "legend" and self.legend is not None:
            if self.legends:
                self.legends[-1] = _squash("".join(self.legend))
            self.legend = None
        elif tag == "label" and self.label is not None:
            text = _squash("".join(self.label))
            if self.label_for:
                self.labels_for[self.label_for] = text
            for wrapped in self.wrapped:
                wrapped.label = wrapped.label or text
            self.label = None
        elif tag == "textarea" and self.textarea is not None and self.form is not None:
            name, parts = self.textarea
            self.form.values.append((name, "".join(parts).removeprefix("\r\n").removeprefix("\n")))
            self.textarea = None
        elif tag == "select" and self.select is not None and self.form is not None:
            chosen = self.select_chosen if self.select_chosen is not None else (self.select.options or [""])[0]
            self.form.values.append((self.select.name, chosen))
            self.select = None


class _OptionAwareParser(_Parser):
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "option" and self.select is not None:
            a = {k: v or "" for k, v in attrs}
            value = a.get("value", "")
            self.select.options.append(value)
            if "selected" in a:
                self.select_chosen = value
            return
        super().handle_starttag(tag, attrs)


def post_forms(html: str, page_url: str) -> list[PageForm]:
    """Every POST form of the page, with each field's visible label."""
    parser = _OptionAwareParser(page_url)
    parser.feed(html)
    parser.close()
    for element_id, text in parser.labels_for.items():
        found = parser.ids.get(element_id)
        if found is not None and not found.label:
            found.label = text
    return parser.forms


def links(html: str) -> list[str]:
    """Same-site links of the page (paths only)."""
    return [m for m in re.findall(r'href="(/[^"#]*)', html) if not m.startswith("//")]


def error_texts(html: str) -> list[str]:
    """The text of every error shown next to a field or flashed at the top of the page."""
    found = re.findall(r'<p class="(?:error|flash flash-error)"[^>]*>(.*?)</p>', html, re.S)
    return [_squash(htmllib.unescape(re.sub(r"<[^>]+>", "", m))) for m in found]
