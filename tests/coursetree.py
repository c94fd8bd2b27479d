"""Small course folders written to disk, in the format trainers use."""
from __future__ import annotations

from pathlib import Path

READING = """---
title: 生成AIとは
minutes: 5
---

生成AIは文章を**作る**AIです。

![流れ](assets/flow.png)
"""

QUIZ = """---
title: 確認テスト
kind: quiz
minutes: 5
pass_percent: 50
---

確認しましょう。

```quiz
? 生成AIに入力してはいけない情報はどれですか。
- [ ] 公開済みの製品カタログ
- [x] 顧客の氏名と電話番号
> 個人情報は入力しません。

? 出力をそのまま使う前に確認すべきことを全て選んでください。
- [x] 数字や固有名詞が正しいか
- [x] 社外秘の情報が含まれていないか
- [ ] 文字数が多すぎないか
> 事実と機密を確かめます。
```
"""

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000000000200013e2b3bbf0000000049454e44ae426082"
)


def write_course(
    root: Path, slug: str = "kiso", industries: str = "[all]", title: str = "生成AIの基礎", audience: str | None = None
) -> Path:
    """A course with one module: a reading (with an image) and a two-question quiz."""
    course = root / slug
    (course / "assets").mkdir(parents=True, exist_ok=True)
    extra = f"audience: {audience}\n" if audience is not None else ""
    (course / "course.md").write_text(f"---\ntitle: {title}\nsummary: 基礎を学びます\nindustries: {industries}\n{extra}---\n\n概要です。\n")
    (course / "assets" / "flow.png").write_bytes(PNG)
    module = course / "01-hajimeni"
    module.mkdir(exist_ok=True)
    (module / "module.md").write_text("---\ntitle: はじめに\nweek: 1\n---\n\n最初の週です。\n")
    (module / "01-towa.md").write_text(READING)
    (module / "02-test.md").write_text(QUIZ)
    return course


def write_weekly_course(root: Path, weeks: int = 6) -> Path:
    """One reading per module, module n in week n: the shape a cohort's calendar needs."""
    course = root / "kiso"
    course.mkdir(parents=True)
    (course / "course.md").write_text("---\ntitle: 生成AIの基礎\nsummary: 6週間\nindustries: [all]\n---\n")
    for week in range(1, weeks + 1):
        module = course / f"{week:02d}-week{week}"
        module.mkdir()
        (module / "module.md").write_text(f"---\ntitle: 第{week}週\nweek: {week}\n---\n")
        (module / "01-yomu.md").write_text(f"---\ntitle: 第{week}週の読み物\nminutes: 5\n---\n\n本文です。\n")
    return course


EXERCISE_LESSON = """---
title: おわびメールを練習する
kind: exercise
exercise: {slug}
minutes: 10
---

お手本を読んでから、演習でプロンプトを書きます。
"""


def add_exercise_lesson(course: Path, exercise: str, slug: str = "renshu") -> None:
    """A third lesson in the first module of a course written by write_course: `kind: exercise`."""
    (course / "01-hajimeni" / f"03-{slug}.md").write_text(EXERCISE_LESSON.format(slug=exercise), encoding="utf-8")
