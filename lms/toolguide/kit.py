"""The test kit for a two-week pilot: three fixed Japanese tasks and a scoring sheet (pure data, no Flask).

The same tasks go to every candidate tool, run by the same people, so the scores compare the tools and not the
prompts. The material is fictional (みなと精工 is the tool-selection course's company); the reply task plants a
customer's name and mobile number that the tester must leave out before pasting.
"""
from __future__ import annotations

from dataclasses import dataclass

CANDIDATES = ("候補A", "候補B", "候補C")
SCALE = (1, 5)


@dataclass(frozen=True)
class Task:
    number: int
    title: str
    scene: str
    material: str  # what the tester has (dummy data)
    instruction: str  # what to ask the tool to do
    leave_out: str  # what must not be pasted, and how to replace it
    check: tuple[str, ...]  # what to check in each tool's answer


@dataclass(frozen=True)
class Criterion:
    name: str
    guide: str  # what 1 and 5 mean


TASKS: tuple[Task, ...] = (
    Task(
        number=1,
        title="取引先への返信メール（個人の情報を外して頼む）",
        scene="みなと精工の営業担当として、取引先から届いた納期の問い合わせに返信します。",
        material=(
            "件名：試作部品の納期について\n"
            "みなと精工 営業ご担当者様\n"
            "いつもお世話になっております。A社の木村です。\n"
            "先日お願いした試作部品20個は、来月10日までに納品いただけますでしょうか。\n"
            "お急ぎの連絡は、私の携帯（090-1234-5678）までお願いします。"
        ),
        instruction=(
            "返信の下書きを作ってもらいます。伝える事実：材料の入荷待ちのため、20個そろうのは来月12日。"
            "10個は来月10日に先に送れる。お詫びを入れ、どちらがよいか相手に選んでもらう。"
        ),
        leave_out=(
            "相手の名前（木村様）と携帯番号は貼り付けません。【担当者名】に置き換えてから頼みます。"
            "会社名は「A社」のままで構いません。"
        ),
        check=(
            "12日・10個・10日という事実が、素材のとおりに書かれているか",
            "書いていない約束（値引き、送料の負担、納期の短縮など）を足していないか",
            "【担当者名】がそのまま残り、名前や電話番号を作っていないか",
            "そのまま送れる丁寧さか（直す必要のある箇所の数）",
        ),
    ),
    Task(
        number=2,
        title="会議メモの要約（決まったことと検討中を分ける）",
        scene="みなと精工の総務担当として、生産会議のメモを、参加できなかった人向けに短くまとめます。",
        material=(
            "生産会議メモ（架空）\n"
            "・3号機の点検は来週火曜の午前に行う。担当は製造課。\n"
            "・夜勤の人数を増やす案が出たが、人の手配がつくか分からないので次回また話す。\n"
            "・不良率が先月より上がった。原因は材料のロットの可能性があるが、まだ分からない。品質保証が今週中に調べる。\n"
            "・年末の大掃除は12月27日。\n"
            "・新しい検査機の購入は、見積もりを2社から取ってから決める。"
        ),
        instruction="「決まったこと（担当・期限つき）」「検討中のこと」の2つの見出しで、箇条書きにまとめてもらいます。",
        leave_out="このメモには個人名はありません。自社のメモで試すときは、名前を役割（製造課、品質保証）に置き換えます。",
        check=(
            "検討中のこと（夜勤の人数、不良の原因、検査機の購入）を「決まった」と書いていないか",
            "担当と期限が、メモのとおりに付いているか",
            "メモにない理由や数字を足していないか",
            "短く、読みやすいか",
        ),
    ),
    Task(
        number=3,
        title="Excelの式を作る（入金の確認）",
        scene="みなと精工の経理担当として、請求一覧と入金明細を突き合わせる式を作ります。",
        material=(
            "シート「請求」：A列 取引先コード（例：T001）、B列 請求額\n"
            "シート「入金」：A列 取引先コード、B列 入金額（同じ取引先が2回に分けて払うことがあります）\n"
            "試す用のダミーデータ：請求 T001 100000／T002 55000。入金 T001 60000／T001 40000／T002 50000"
        ),
        instruction=(
            "シート「請求」のC列に、同じ取引先コードの入金額の合計を出す式と、D列に、請求額と合計が同じなら「一致」、"
            "違えば「要確認」と出す式を作ってもらいます。使っているExcelのバージョンも伝えます。"
        ),
        leave_out="実際の入金明細・口座番号・取引先名は使いません。列の構成とダミーデータだけで頼みます。",
        check=(
            "ダミーデータで、T001 は合計100000・「一致」、T002 は合計50000・「要確認」になるか",
            "式の説明が、Excelに慣れていない人にも分かるか",
            "自社のExcelのバージョンで使える関数か",
            "式の中の範囲（列やシート名）が、伝えた構成と合っているか",
        ),
    ),
)

CRITERIA: tuple[Criterion, ...] = (
    Criterion("正確さ", "1：事実の誤りや指示と違う点が多い／5：素材と指示のとおり"),
    Criterion("足していないか", "1：書いていない約束・数字・理由を足した／5：何も足していない"),
    Criterion("日本語の自然さ", "1：大きく直さないと使えない／5：ほぼそのまま使える"),
    Criterion("直す手間", "1：作り直したほうが早い／5：1〜2か所直せば使える"),
    Criterion("使いやすさ", "1：操作に迷う・待ち時間が長い／5：迷わず使える"),
)

STEPS: tuple[str, ...] = (
    "始める前に：候補（2〜3）、試す人（同じ2〜3人）、合格の基準（例：3つの課題の平均が4以上で、"
    "「足していないか」に2以下がない）を決めて、この表に書いておきます。",
    "1週目：3つの課題を、候補ごとに同じ人が同じ手順で試し、採点表に1〜5で記入します。プロンプトは候補の間で変えません。",
    "2週目：それぞれが自分の普段の仕事で候補を使い、困ったこと・よかったことをメモ欄に書きます。"
    "社内のルールで入れてよいと決めた情報だけを使います。",
    "終わったら：点数とメモを持ち寄り、始める前に決めた基準で選びます。料金と契約の条件は、提供元の公式ページで改めて確認します。",
)


def score_rows() -> list[tuple[int, str, str]]:
    """(task number, criterion, its guide) for every row of the scoring sheet."""
    return [(task.number, c.name, c.guide) for task in TASKS for c in CRITERIA]
