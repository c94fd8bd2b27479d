"""Synthetic use cases for benchmarks and demos at scale: `flask usecases generate --count 10000`.

Every generated case is fictional and says so in its summary (生成データ); its
id starts with `gen-` and its origin is `import`, so `flask usecases sync`
(files) never archives or overwrites it. Titles combine a task, an object and
an industry so the text is as varied as a real catalog for search; the same
seed and count give the same cases.
"""
from __future__ import annotations

import random
from collections.abc import Callable, Iterator

from lms.core.vocab import DEPARTMENTS, INDUSTRY_CODES, TASKS
from lms.courses.sync import Author
from lms.usecases.source import UsecaseSource, parse_usecase_text

PREFIX = "gen-"

# (object, departments it belongs to)
_OBJECTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("見積書", ("営業", "経理")), ("議事録", ("総務", "経営")), ("日報", ("営業", "店舗")), ("求人票", ("人事",)),
    ("シフト表", ("店舗", "介護")), ("請求書", ("経理",)), ("問い合わせメール", ("顧客対応", "営業")),
    ("商品説明", ("EC", "マーケティング")), ("点検記録", ("製造", "施工")), ("安全書類", ("施工",)),
    ("介護記録", ("介護",)), ("配車表", ("運行管理",)), ("在庫表", ("店舗", "製造")), ("口コミへの返信", ("顧客対応", "店舗")),
    ("社内規程", ("総務", "人事")), ("研修資料", ("人事",)), ("SNS投稿", ("マーケティング",)), ("提案書", ("営業", "経営")),
    ("入金明細", ("経理",)), ("作業手順書", ("製造", "施工")), ("FAQ", ("顧客対応", "情報システム")),
    ("障害報告", ("情報システム",)), ("月次報告", ("経営", "経理")), ("採用面接のメモ", ("人事",)),
    ("ECサイトの商品ページ", ("EC",)), ("チラシの文案", ("マーケティング", "店舗")), ("お詫び状", ("顧客対応",)),
    ("契約書", ("総務", "営業")), ("工程表", ("施工", "製造")), ("運行日報", ("運行管理",)),
)
# (verb phrase, task type, tools, check-in task)
_TASKS: tuple[tuple[str, str, str, str], ...] = (
    ("の下書きを作る", "writing", "[chat, office]", "documents"),
    ("を要約する", "summarizing", "[chat]", "documents"),
    ("を読みやすく整える", "writing", "[chat]", "documents"),
    ("の誤りをチェックする", "checking", "[chat, office]", "documents"),
    ("を集計して傾向を見る", "data", "[office]", "data"),
    ("を英語に翻訳する", "translation", "[chat]", "translation"),
    ("の改善案を出す", "ideas", "[chat]", "ideas"),
    ("に必要な情報を調べる", "research", "[search, chat]", "research"),
    ("から返信メールを作る", "customer", "[chat]", "email"),
    ("を毎週自動で作る", "automation", "[automation, chat]", "other"),
)
_MODIFIERS = ("", "月次の", "週次の", "新人向けの", "取引先向けの", "現場の", "本社の", "繁忙期の", "短時間で", "店舗ごとの")
_INDUSTRY_WORDS = {
    "all": "", "manufacturing": "工場の", "construction": "建設現場の", "retail": "小売店の", "food_service": "飲食店の",
    "services": "サービス業の", "professional": "事務所の", "it": "IT企業の", "healthcare_welfare": "介護施設の",
    "logistics": "物流拠点の", "real_estate": "不動産会社の", "wholesale": "卸売業の", "accommodation": "旅館の",
    "agriculture": "農園の",
}
_LEVELS = ("beginner", "beginner", "intermediate", "systematic")


def _text(rng: random.Random, number: int) -> tuple[str, str]:
    obj, departments = rng.choice(_OBJECTS)
    verb, task_type, tools, checkin = rng.choice(_TASKS)
    industry = rng.choice(INDUSTRY_CODES)
    level = "systematic" if task_type == "automation" else rng.choice(_LEVELS[:3])
    title = f"{_INDUSTRY_WORDS[industry]}{rng.choice(_MODIFIERS)}{obj}{verb}"[:120]
    department = rng.choice([d for d in departments if d in DEPARTMENTS])
    risks = "risks:\n  - 誤った内容がそのまま送られる → 最初の1か月は人が確認してから送る\n" if level == "systematic" else ""
    text = f"""---
title: {title}
summary: （生成データ・架空の事例 {number}）{obj}{verb}手順の例です。実在の会社の事例ではありません。
industries: [{industry}]
departments: [{department}]
task_type: {task_type}
tools: {tools}
level: {level}
{risks}data_class: internal
never_enter:
  - 取引先や個人の名前（記号に置き換える）
checks:
  - 数字と固有名詞が元の{obj}どおりか
  - 社外に出す前に担当者が読み直したか
time_saved: {{minutes: {rng.choice((15, 20, 30, 45, 60, 90))}, basis: example}}
checkin_task: {checkin if checkin in TASKS else "other"}
---

## 手順

1. 元になる{obj}を用意し、名前や金額などを記号に置き換えます。
2. ひな形の【】を埋めて、AIに{verb.lstrip("をのにから")}よう頼みます。
3. 出てきた結果を、元の{obj}と見比べて確かめます。
4. 必要なところを直して仕上げます。

## プロンプトのひな形

```text
あなたは{_INDUSTRY_WORDS[industry] or "中小企業の"}{department}担当のアシスタントです。
次の【{obj}】について、{verb.lstrip("をのにから")}手伝いをしてください。
【{obj}の内容】
```
"""
    return f"{PREFIX}{number:05d}", text


def generated_sources(count: int, *, seed: int = 1, start: int = 1) -> Iterator[UsecaseSource]:
    """`count` parsed synthetic cases, ids gen-<start>... (deterministic for a seed)."""
    rng = random.Random(seed)
    for number in range(start, start + count):
        case_id, text = _text(rng, number)
        yield parse_usecase_text(text, path=f"generated/{case_id}.md", case_id=case_id)


def generate(count: int, *, seed: int = 1, batch: int = 1000,
             progress: Callable[[int, int], None] | None = None) -> int:
    """Add (or refresh) `count` generated cases as cases of the `import` origin; flushes, never archives."""
    from lms.usecases.models import Usecase
    from lms.usecases.sync import sync_usecases

    author = Author(None, "generated")
    done = 0
    sources = list(generated_sources(count, seed=seed))
    for start in range(0, count, batch):
        chunk = sources[start:start + batch]
        sync_usecases(chunk, author=author, origin=Usecase.IMPORT, archive_missing=False)
        done += len(chunk)
        if progress is not None:
            progress(done, count)
    return done
