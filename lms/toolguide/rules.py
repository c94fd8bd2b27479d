"""From a company's answers to a recommendation: `recommend(answers, table)`, plain Python, no Flask.

The rules (docs/toolguide.ja.md explains them to trainers):

1. 要配慮個人情報 (health, criminal records, ...) goes into no general AI tool: the guide recommends none and
   advises keeping that data out.
2. A tool is a candidate when it fits the environment (Microsoft 365 tools only with Microsoft 365, Google
   Workspace tools only with Google Workspace; `any` always) and is meant for the data (a general free version
   only for public information), and its price does not exceed the budget (a price written `check` is
   kept, with a note to confirm it, unless the budget is "no extra cost").
3. Candidates are ranked: business plans before the general free version; a tool of the company's own suite
   before an independent one; no extra cost before paid; enough people for the minimum seats before not; a
   confirmed price before 要確認; then the table's own order. The first is the recommendation, the second the
   runner-up.

Every reason names the answer and the table field it rests on. Messages are English templates (`N_`) with
values; the web layer translates them.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from lms.core.frontmatter import N_, Template
from lms.toolguide.table import CHECK, DATA_CLASSES, Table, Tool

ENVIRONMENT_ANSWERS = ("m365", "google", "none")
DATA_ANSWERS = ("public", "internal", "personal", "sensitive")  # sensitive: 要配慮個人情報
BUDGETS: dict[str, int | None] = {  # yen per person per month the company will add; None: no fixed cap
    "none": 0, "up_to_3000": 3000, "up_to_5000": 5000, "more": None,
}
HEADCOUNT_MAX = 100_000


@dataclass(frozen=True)
class Answers:
    environment: str  # m365 | google | none
    data: str  # public | internal | personal | sensitive
    headcount: int  # people who would use it
    budget: str  # a key of BUDGETS

    def __post_init__(self) -> None:
        if self.environment not in ENVIRONMENT_ANSWERS or self.data not in DATA_ANSWERS or self.budget not in BUDGETS:
            raise ValueError(f"unknown answer in {self!r}")
        if not 1 <= self.headcount <= HEADCOUNT_MAX:
            raise ValueError(f"headcount must be 1..{HEADCOUNT_MAX}, not {self.headcount}")


@dataclass(frozen=True)
class Message:
    """A translatable sentence: an English template and its values."""

    template: Template
    params: dict[str, Any] = field(default_factory=dict, compare=False)

    def localized(self, translate: Any) -> str:
        """The sentence through `translate` (a gettext); values that are Messages are translated too."""
        text = translate(str(self.template))
        if not self.params:
            return str(text)
        values = {k: v.localized(translate) if isinstance(v, Message) else v for k, v in self.params.items()}
        return str(text) % values


@dataclass(frozen=True)
class Reason:
    """Why: one sentence, tied to the answer (`answer`) and the table field (`field`) it rests on."""

    message: Message
    answer: str  # environment | data | headcount | budget
    field: str  # environment | data | price | min_seats | training | admin | indemnity | data_location


@dataclass(frozen=True)
class Recommendation:
    answers: Answers
    tool: Tool | None
    reasons: tuple[Reason, ...]
    runner_up: Tool | None
    runner_up_reason: Reason | None
    checks: tuple[Message, ...]  # what to ask the vendor (or read on its page) before signing
    advice: tuple[Message, ...]  # what to do besides choosing, e.g. keep 要配慮個人情報 out
    keep_out: bool  # the company handles 要配慮個人情報: no tool is recommended for it
    table_checked: dt.date


def _data_rank(data: str) -> int:
    return DATA_CLASSES.index(data)


def fits_environment(tool: Tool, environment: str) -> bool:
    return tool.environment == "any" or tool.environment == environment


def fits_data(tool: Tool, data: str) -> bool:
    return data != "sensitive" and _data_rank(tool.data) >= _data_rank(data)


def budget_fit(tool: Tool, table: Table, budget: str) -> str:
    """'free' (no extra cost), 'fits', 'partly' (the band's low end only), 'unknown' (要確認) or 'over'."""
    cap = BUDGETS[budget]
    if tool.price.value in ("included", "free"):
        return "free"
    band = table.yen_range(tool)
    if band is None:  # written check: it costs something, but how much must be confirmed
        return "over" if cap == 0 else "unknown"
    low, high = band
    if cap is None or high <= cap:
        return "fits" if low > 0 else "free"
    return "partly" if low <= cap else "over"


def seats_short(tool: Tool, headcount: int) -> bool:
    seats = tool.min_seats.value
    return seats != CHECK and headcount < int(seats)


def seats_uncertain(tool: Tool, headcount: int) -> bool:
    """Short of the minimum, or the minimum is 要確認 (plans sold through sales often have a large one)."""
    return tool.min_seats.value == CHECK or seats_short(tool, headcount)


def _sort_key(tool: Tool, table: Table, answers: Answers, index: int) -> tuple[int, ...]:
    fit = budget_fit(tool, table, answers.budget)
    return (
        int(tool.type == "consumer"),
        int(tool.environment == "any"),
        int(fit != "free"),
        int(seats_uncertain(tool, answers.headcount)),
        int(fit in ("unknown", "partly")),
        index,
    )


KEY_NAMES = ("type", "environment", "price", "min_seats", "price", "order")  # what each part of _sort_key weighs


def candidates(answers: Answers, table: Table) -> list[Tool]:
    """The tools that may be recommended, best first."""
    if answers.data == "sensitive":
        return []
    found = [
        (i, tool) for i, tool in enumerate(table.tools)
        if fits_environment(tool, answers.environment) and fits_data(tool, answers.data)
        and budget_fit(tool, table, answers.budget) != "over"
    ]
    found.sort(key=lambda pair: _sort_key(pair[1], table, answers, pair[0]))
    return [tool for _, tool in found]


def recommend(answers: Answers, table: Table) -> Recommendation:
    """The recommended plan with its reasons, the runner-up, what to check and advice (pure; never raises)."""
    ranked = candidates(answers, table)
    tool = ranked[0] if ranked else None
    runner_up = ranked[1] if len(ranked) > 1 else None
    advice: list[Message] = []
    keep_out = answers.data == "sensitive"
    if keep_out:
        advice.append(Message(N_("Keep 要配慮個人情報 (health, disabilities, criminal records and the like) out of every "
                                 "general AI tool, whatever the plan. Decide in your AI rules who handles such data "
                                 "and how, and ask a specialist before any tool touches it.")))
        advice.append(Message(N_("For work without such data, answer the guide again with the data the work "
                                 "really involves (for example internal information).")))
    elif tool is None:
        advice.append(Message(N_("No tool in the table is meant for this data within this budget. Either set aside "
                                 "a budget for a business plan, or use AI only for public information for now.")))
    if runner_up is None and not keep_out:
        runner_up = _with_budget(answers, table, exclude=tool)
    if answers.data == "public" and tool is not None and tool.type == "consumer":
        advice.append(Message(N_("A general free version is only for public information. Turn off the setting "
                                 "that uses inputs for training, and switch to a business plan before anyone "
                                 "enters internal or personal data.")))
    reasons = tuple(_reasons(tool, answers, table)) if tool is not None else ()
    runner_reason = _runner_up_reason(tool, runner_up, answers, table) if runner_up is not None else None
    checks = tuple(_checks(tool, answers, table)) if tool is not None else ()
    return Recommendation(answers, tool, reasons, runner_up, runner_reason, checks, tuple(advice), keep_out,
                          table.checked)


def _with_budget(answers: Answers, table: Table, exclude: Tool | None) -> Tool | None:
    """What the company could choose if it set aside a budget: the best other candidate with no budget limit."""
    with_budget = Answers(answers.environment, answers.data, answers.headcount, "more")
    ranked = [t for t in candidates(with_budget, table) if t is not exclude and budget_fit(t, table, answers.budget)
              == "over"]
    return ranked[0] if ranked else None


ENVIRONMENT_NAMES = {"m365": "Microsoft 365", "google": "Google Workspace"}


def _reasons(tool: Tool, answers: Answers, table: Table) -> list[Reason]:
    reasons: list[Reason] = []
    if tool.environment != "any":
        reasons.append(Reason(Message(N_("You already use %(suite)s, and this works inside it with the same company "
                                         "accounts."), {"suite": ENVIRONMENT_NAMES[tool.environment]}),
                              "environment", "environment"))
    elif answers.environment == "none":
        reasons.append(Reason(Message(N_("It does not need Microsoft 365 or Google Workspace.")),
                              "environment", "environment"))
    else:
        reasons.append(Reason(Message(N_("It works alongside %(suite)s; no tool of your own suite fits your other "
                                         "answers better."), {"suite": ENVIRONMENT_NAMES[answers.environment]}),
                              "environment", "environment"))
    fit = budget_fit(tool, table, answers.budget)
    price = price_message(tool, table)
    if fit == "free":
        reasons.append(Reason(Message(N_("No extra cost: %(price)s."), {"price": price}), "budget", "price"))
    elif fit == "fits":
        reasons.append(Reason(Message(N_("Within your budget: %(price)s."), {"price": price}), "budget", "price"))
    elif fit == "partly":
        reasons.append(Reason(Message(N_("Within your budget only at the low end of its band (%(price)s): compare "
                                         "annual and monthly billing."), {"price": price}), "budget", "price"))
    else:
        reasons.append(Reason(Message(N_("The price is 要確認 in the table: confirm on the vendor's page that it fits "
                                         "your budget.")), "budget", "price"))
    if answers.data == "public":
        reasons.append(Reason(Message(N_("You plan to enter only public information, which this plan is meant "
                                         "for.")), "data", "data"))
    elif tool.training.value == "not_used":
        reasons.append(Reason(Message(N_("For internal and personal data: the vendor states that inputs are not used "
                                         "for training by default.")), "data", "training"))
    else:
        reasons.append(Reason(Message(N_("Whether inputs are used for training is 要確認: confirm it before anyone "
                                         "enters company data.")), "data", "training"))
    if answers.data in ("internal", "personal"):
        reasons.append(Reason(Message(N_("Company-wide management: %(admin)s."), {"admin": tool.admin.value}),
                              "data", "admin"))
    seats = tool.min_seats.value
    if seats == CHECK:
        reasons.append(Reason(Message(N_("The minimum number of seats is 要確認.")), "headcount", "min_seats"))
    elif seats_short(tool, answers.headcount):
        reasons.append(Reason(Message(N_("The plan needs at least %(seats)d seats; with %(people)d people you pay "
                                         "for %(seats)d."), {"seats": int(seats), "people": answers.headcount}),
                              "headcount", "min_seats"))
    else:
        reasons.append(Reason(Message(N_("Your %(people)d people meet the minimum of %(seats)d seats."),
                                      {"seats": int(seats), "people": answers.headcount}), "headcount", "min_seats"))
    return reasons


def _runner_up_reason(first: Tool | None, second: Tool, answers: Answers, table: Table) -> Reason:
    if first is None or budget_fit(second, table, answers.budget) == "over":
        if second.price.value == CHECK:
            return Reason(Message(N_("The best fit if you set aside a budget; its price is 要確認.")), "budget", "price")
        return Reason(Message(N_("The best fit if you set aside a budget: %(price)s."),
                              {"price": price_message(second, table)}), "budget", "price")
    index = {t.id: i for i, t in enumerate(table.tools)}
    a = _sort_key(first, table, answers, index[first.id])
    b = _sort_key(second, table, answers, index[second.id])
    differs = next((i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y), len(a) - 1)
    name = KEY_NAMES[differs]
    if name == "type":
        message = Message(N_("Second because a business plan comes before a general free version."))
        return Reason(message, "data", "data")
    if name == "environment":
        message = Message(N_("Second because it sits outside the suite you already use; choose it if you want one "
                             "tool for everyone regardless of the suite."))
        return Reason(message, "environment", "environment")
    if name == "min_seats":
        if second.min_seats.value == CHECK:
            message = Message(N_("Second because its minimum number of seats is 要確認."))
        else:
            message = Message(N_("Second because its minimum of %(seats)s seats is more than your %(people)d people."),
                              {"seats": second.min_seats.value, "people": answers.headcount})
        return Reason(message, "headcount", "min_seats")
    if name == "price":
        if second.price.value == CHECK:
            message = Message(N_("Second because its price is 要確認 in the table."))
        else:
            message = Message(N_("Second because of the price: %(price)s."), {"price": price_message(second, table)})
        return Reason(message, "budget", "price")
    return Reason(Message(N_("Second in the table's order for answers like yours; compare both in the pilot.")),
                  "environment", "environment")


def _checks(tool: Tool, answers: Answers, table: Table) -> list[Message]:
    checks = [Message(N_("The current price and plan on the vendor's page: %(url)s"), {"url": tool.price.source})]
    if tool.min_seats.unconfirmed:
        checks.append(Message(N_("The minimum number of seats: %(url)s"), {"url": tool.min_seats.source}))
    if tool.training.value != "not_used":
        checks.append(Message(N_("Whether inputs are used for training, and how to turn it off: %(url)s"),
                              {"url": tool.training.source}))
    if tool.indemnity.value != "yes":
        checks.append(Message(N_("Whether the vendor indemnifies you against copyright claims over outputs: %(url)s"),
                              {"url": tool.indemnity.source}))
    else:
        checks.append(Message(N_("The conditions of the vendor's copyright indemnity: %(url)s"),
                              {"url": tool.indemnity.source}))
    if answers.data in ("internal", "personal"):
        checks.append(Message(N_("Where data is stored and processed (%(where)s): %(url)s"),
                              {"where": tool.data_location.value, "url": tool.data_location.source}))
        checks.append(Message(N_("The admin features you need (sign-in with company accounts, removing leavers, "
                                 "usage reports): %(url)s"), {"url": tool.admin.source}))
    if answers.data == "personal" and tool.data_location.extra.get("foreign_provider"):
        checks.append(Message(N_("The vendor is a foreign company. Before personal data of customers or staff is "
                                 "entered, check whether 個人情報保護法 第28条 (provision to a third party in a foreign "
                                 "country) applies and what it requires, in the guidelines and Q&A of the Personal "
                                 "Information Protection Commission (個人情報保護委員会).")))
    return checks


def price_message(tool: Tool, table: Table) -> Message:
    """The price band of `tool` as a sentence fragment (yen per person per month; converted figures say so)."""
    kind = tool.price.value
    if kind == "included":
        return Message(N_("included in the existing contract (no extra cost)"))
    if kind == "free":
        return Message(N_("free of charge"))
    if kind == CHECK:
        return Message(N_("to be confirmed (要確認)"))
    low, high = tool.price.extra["range"]
    band = table.yen_range(tool)
    assert band is not None
    yen = f"{band[0]:,}" if band[0] == band[1] else f"{band[0]:,}–{band[1]:,}"
    if kind == "usd":
        usd = f"{low:g}" if low == high else f"{low:g}–{high:g}"
        return Message(N_("¥%(yen)s per person per month (converted from US$%(usd)s at ¥%(rate)d to the dollar: a "
                          "rough guide)"), {"yen": yen, "usd": usd, "rate": table.usd_rate})
    return Message(N_("¥%(yen)s per person per month"), {"yen": yen})
