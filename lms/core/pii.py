"""The personal-data guard: finds what must not leave the company in Japanese business text.

`scan(text, secrets)` returns `Finding`s with spans into the text as typed.
Everything except phone numbers is matched on the folded key of
`lms.core.text.fold_with_map` (full-width digits and letters to ASCII,
half-width kana to full-width, katakana to hiragana, whitespace runs to one
space) and mapped back with `original_span`, so ０９０ and 090, ﾔﾏﾀﾞ and ヤマダ
are the same to the guard. Phone numbers go through `phonenumbers`, which
reads full-width digits and the many Japanese dashes itself.

The rules lean towards finding too much for numbers that carry a check digit
or a keyword, and towards finding too little for names without an honorific or
a label: a name is only recognised by 様/さん/殿/氏/君 after it, by a label such
as 氏名：, or as a common family name, a space and a given name. Placeholders
(【氏名】様, 〇〇様, Aさん) and common nouns (お客様, 皆さん, 担当者様) are not names.
`scripts/pii_false_positives.py` measures what it flags in the shipped lessons.
"""
from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache


from lms.core.text import fold, fold_with_map, original_span


def N_(message: str) -> str:
    """Mark a message for extraction; the web layer translates it."""
    return message


KINDS = ("secret", "person_name", "phone", "my_number", "corporate_number", "email", "postal_address",
         "credit_card", "bank_account")

REASONS: dict[str, str] = {
    "secret": N_("Confidential material from this exercise: replace it with a placeholder such as 【取引先名】."),
    "person_name": N_("A person's name: replace it with a placeholder such as 【氏名】 or Aさん."),
    "phone": N_("A phone number: replace it with a placeholder such as 【電話番号】."),
    "my_number": N_("What looks like a My Number (個人番号): never paste one; delete it or write 【マイナンバー】."),
    "corporate_number": N_("A corporate number (法人番号): replace it with a placeholder such as 【法人番号】."),
    "email": N_("An e-mail address: replace it with a placeholder such as 【メールアドレス】."),
    "postal_address": N_("A postal code or street address: replace it with a placeholder such as 【住所】."),
    "credit_card": N_("What looks like a credit card number: never paste one; delete it or write 【カード番号】."),
    "bank_account": N_("A bank account: replace it with a placeholder such as 【口座情報】."),
}

# When findings overlap, the lower rank wins (then the longer span).
_RANK = {"secret": 0, "my_number": 1, "corporate_number": 1, "credit_card": 1, "bank_account": 2, "phone": 2,
         "email": 2, "postal_address": 3, "person_name": 4}


@dataclass(frozen=True)
class Finding:
    kind: str
    start: int  # index into the text as typed
    end: int
    text: str  # the typed text[start:end]
    label: str = ""  # for kind "secret": the exercise's label, e.g. 取引先名


# --- character classes of the folded key (katakana is folded to hiragana, ヶ to ゖ) -------------------

_KANJI = "\u4e00-\u9fff々〆ゖゕ"
_KANA = "ぁ-ゖー"
_DASH = "\\-‐‑‒–—―−ーｰ"  # after NFKC: the ASCII hyphen and the dashes people type between digits
_SEP = f"[ {_DASH}]"


def _is_katakana(ch: str) -> bool:
    code = ord(ch)
    return 0x30A1 <= code <= 0x30FA or code in (0x30FC, 0x30FB) or 0xFF66 <= code <= 0xFF9F or 0x31F0 <= code <= 0x31FF


# --- check digits ---------------------------------------------------------------------------------------

def my_number_is_valid(digits: str) -> bool:
    """The check digit of a 12-digit マイナンバー (個人番号; 総務省令第八十五号 第五条)."""
    if len(digits) != 12 or not digits.isascii() or not digits.isdigit():
        return False
    base = [int(d) for d in digits[:11]]
    # P_n counted from the least-significant base digit; Q_n = n+1 for n <= 6, n-5 for n >= 7.
    total = sum(p * (n + 1 if n <= 6 else n - 5) for n, p in enumerate(reversed(base), start=1))
    remainder = total % 11
    return int(digits[11]) == (0 if remainder <= 1 else 11 - remainder)


def corporate_number_is_valid(digits: str) -> bool:
    """The check digit of a 13-digit 法人番号, its FIRST digit (財務省令第七十号 第二条)."""
    if len(digits) != 13 or not digits.isascii() or not digits.isdigit():
        return False
    base = [int(d) for d in digits[1:]]
    # P_n counted from the least-significant base digit; Q_n = 1 for odd n, 2 for even n.
    total = sum(p * (2 if n % 2 == 0 else 1) for n, p in enumerate(reversed(base), start=1))
    return int(digits[0]) == 9 - total % 9


def luhn_is_valid(digits: str) -> bool:
    """The Luhn check of a card number."""
    if not digits.isascii() or not digits.isdigit():
        return False
    total = 0
    for index, ch in enumerate(reversed(digits)):
        value = int(ch) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _ean13_is_valid(digits: str) -> bool:
    total = sum(int(d) * (3 if index % 2 else 1) for index, d in enumerate(digits[:12]))
    return (10 - total % 10) % 10 == int(digits[12])


# --- patterns on the key ----------------------------------------------------------------------------------

_DIGITS_AND_DASHES = frozenset("0123456789-‐‑‒–—―−ーｰ")
_NOT_BEFORE_NUMBER = r"(?<![\d.,+\-/])"
_MY_NUMBER = re.compile(_NOT_BEFORE_NUMBER + rf"\d{{4}}({_SEP}?)\d{{4}}\1\d{{4}}(?!{_SEP}?\d)")
_CORPORATE_NUMBER = re.compile(_NOT_BEFORE_NUMBER + rf"\d({_SEP}?)\d{{4}}\1\d{{4}}\1\d{{4}}(?!{_SEP}?\d)")
_CARD = re.compile(_NOT_BEFORE_NUMBER + rf"[2-6]\d{{3}}(?:{_SEP}?\d){{9,15}}(?!{_SEP}?\d)")
_DIGIT_RUN = re.compile(rf"\d(?:{_SEP}?\d){{11,}}")
_MY_NUMBER_WORDS = ("まいなんばー", "個人番号")

# Bounded like the RFC (64 before @, 63 per label) so a long run of letters cannot make it quadratic.
_EMAIL = re.compile(r"[a-z0-9][a-z0-9._%+\-]{0,63}@[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?"
                    r"(?:\.[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?){0,8}\.[a-z]{2,24}(?![a-z0-9\-])")

_PREFECTURES = (
    "北海道 青森県 岩手県 宮城県 秋田県 山形県 福島県 茨城県 栃木県 群馬県 埼玉県 千葉県 東京都 神奈川県 新潟県 富山県 石川県 "
    "福井県 山梨県 長野県 岐阜県 静岡県 愛知県 三重県 滋賀県 京都府 大阪府 兵庫県 奈良県 和歌山県 鳥取県 島根県 岡山県 広島県 "
    "山口県 徳島県 香川県 愛媛県 高知県 福岡県 佐賀県 長崎県 熊本県 大分県 宮崎県 鹿児島県 沖縄県"
).split()
_PREFECTURE = "|".join(_PREFECTURES)
_PLACE = f"[{_KANJI}{_KANA}]"
_NUMBER = r"(?:\d{1,4}|[一二三四五六七八九十]{1,3})"
# A street address ends in a block number: 丁目 / 番地 / 番…号, or digits and dashes.
_BLOCK = (rf"{_NUMBER}丁目(?: ?\d{{1,4}}(?:番地?|[{_DASH}])(?: ?\d{{1,4}}号?)?)?"
          rf"|\d{{1,5}}番地(?:の?\d{{1,4}})?(?:[{_DASH}]\d{{1,4}})?"
          rf"|\d{{1,4}}番 ?\d{{1,4}}号"
          rf"|(?P<dashes>\d{{1,4}}[{_DASH}]\d{{1,4}}(?P<third>[{_DASH}]\d{{1,4}})?)")
# The same, starting with one character class so the regex engine can skip ahead fast (a scan runs
# this over the whole prompt); kanji numerals only count before 丁目, and the digit before is checked after.
_BLOCK_AT = re.compile(
    rf"(?P<number>[\d一二三四五六七八九十][\d一二三四五六七八九十]{{0,4}})"
    rf"(?:丁目(?: ?\d{{1,4}}(?:番地?|[{_DASH}])(?: ?\d{{1,4}}号?)?)?|番地(?:の?\d{{1,4}})?(?:[{_DASH}]\d{{1,4}})?"
    rf"|番 ?\d{{1,4}}号|(?P<dashes>[{_DASH}]\d{{1,4}}(?P<third>[{_DASH}]\d{{1,4}})?))"
    rf"(?![\d{_DASH}月日年時分秒%円個件名人回歳])"
)
# What comes before a block number, searched backwards from it (the search ends where the block ends).
_ADDRESS = re.compile(
    rf"(?P<pref>{_PREFECTURE})? ?(?P<towns>(?:{_PLACE}{{1,7}}?[市区町村郡] ?){{0,3}})"
    rf"{_PLACE}{{0,10}}? ?(?:{_BLOCK})\Z"
)
_CITY_WORDS = ("都市", "地区", "学区", "市区", "市町村", "市区町村", "区市町村", "門前町", "城下町", "農村", "漁村", "山村",
               "選挙区", "特区", "管区", "工区", "区", "市", "町", "村", "郡")
_POSTAL_CODE = re.compile(rf"[〒\d](?: ?\d{{3}}[{_DASH}]?\d{{4}}(?!\d)|\d\d[{_DASH}]\d{{4}}(?![\d{_DASH}]))")
_PLACE_AFTER_CODE = re.compile(rf" ?(?:(?:{_PREFECTURE})(?:[{_KANJI}]{{1,6}}?[市区町村郡]){{0,3}}"
                               rf"|(?:[{_KANJI}]{{1,6}}?[市区町村郡]){{1,3}})[{_KANJI}]{{0,6}}")
_PARTICLES = "はをへでにもとや、"

_BANK = (rf"(?:[{_KANJI}{_KANA}a-z]{{1,12}}?(?:銀行|信用金庫|信金|信用組合|労働金庫)(?: ?[{_KANJI}{_KANA}a-z]{{1,8}}?支店)? ?)?")
_BANK_ACCOUNT = re.compile(
    rf"(?:{_BANK}(?:\(\d{{3}}\) ?)?(?:普通|当座|貯蓄)(?:預金)?(?:口座)? ?(?:口座番号)? ?:? ?(?:no\.? ?)?\d{{7}}"
    rf"|口座番号 ?:? ?\d{{6,8}}"
    rf"|記号 ?:? ?\d{{5}} ?(?:[{_DASH}]|番号 ?:?)? ?\d{{8}})(?!\d)"
)

_BANK_HINT = re.compile(r"普通|当座|貯蓄|口座番号|記号")
_DIGITS_FOLLOW = re.compile(r"\d{5}")

# --- names ------------------------------------------------------------------------------------------------

_HONORIFIC = re.compile(r"様(?![子式相々態変])|さん|くん|殿(?![堂下])|氏(?![名族神])|君(?![主臨子])")
# Words that end in an honorific but are no one's name (checked as a suffix of what precedes + honorific).
_HONORIFIC_WORDS = frozenset(
    "仕様 同様 多様 模様 異様 各様 両様 文様 紋様 有様 王様 神様 仏様 殿様 皆様 客様 奥様 父様 母様 子様 苦労様 馳走様 陰様 世話様 "
    "得意様 主人様 家族様 両親様 本人様 先様 貴方様 相手様 方様 上様 旦那様 姫様 若様 御中様 外様 "
    "皆さん 奥さん 父さん 母さん 兄さん 姉さん 爺さん 婆さん 娘さん 息子さん 坊さん 客さん 嫁さん 旦那さん 大家さん 隣さん "
    "伯父さん 叔父さん 伯母さん 叔母さん 赤さん 神さん 皆殿 "
    "御殿 宮殿 神殿 寝殿 本殿 拝殿 "
    "同氏 両氏 彼氏 某氏 諸氏 各氏 貴氏 源氏 平氏 "
    "諸君 主君 父君 母君 暴君 名君 細君 君君".split()
)
# Roles and titles: 山田社長様 is a name (the part before 社長), 営業部長様 is not.
_ROLES = frozenset(
    "社長 副社長 部長 課長 係長 次長 店長 所長 会長 院長 園長 校長 工場長 室長 班長 局長 署長 町長 市長 村長 知事 議長 委員長 理事長 "
    "支店長 営業所長 本部長 事業部長 取締役 監査役 専務 常務 役員 主任 顧問 先生 先輩 後輩 上司 部下 同僚 担当 担当者 責任者 幹事 "
    "代表 代表者 秘書 会計 総務 教授 医師 弁護士 税理士 会計士 社労士 司法書士 行政書士 技師 講師 監督 選手 委員".split())
_NOT_NAME_ENDINGS = tuple("者員士師屋客家様殿君課室係班局庁省店社校院園会署協団業館場組生長主医手工体舗嬢")
# 取引先の「ひかり食品さん」: a company, not a person (the exercise's own secrets catch the names that matter).
_COMPANY_WORDS = tuple(
    "食品 工業 商事 建設 製作所 工務店 産業 物産 電機 運輸 商店 薬品 印刷 精工 技研 電気 化学 製薬 銀行 証券 保険 不動産 "
    "交通 興業 開発 工房 農園 商会 電工 設備 鉄工 製菓 酒造 醸造 水産 運送 倉庫 物流 住宅 ホーム 電子 機械 工機 精機 "
    "製作 事務所 法人 組合 協会 病院 医院 薬局 書店 本舗 グループ 株式会社 有限会社 合同会社".split()
)
_NOT_NAMES = frozenset(
    "担当 責任者 皆 各位 客 顧客 取引先 得意先 仕入先 先方 相手 関係者 本人 家族 親 子 患者 会員 利用者 生徒 社員 職員 従業員 "
    "新人 上 下 前 後 中 外 内 本部 支部 幹部 外部 内部 全部 一部 各部 本社 支社 弊社 御社 貴社 当社 自社 他社 各社 同社 "
    "部 課 室 未定 不明 無し 空欄 未記入 記入 各自 全員 後日 調整中 省略 任意 自由 匿名 個人 法人 名 氏名 名前 様 殿 "
    "大 小 新 旧 一 二 三 各 全 某 両 同 他 別 次 当 今 毎 本 御 貴 皆々 "
    "営業 総務 経理 人事 事務 製造 品証 品管 購買 資材 生産 開発 設計 技術 企画 広報 法務 財務 物流 倉庫 出荷 受付 窓口 "
    "現場 工務 施工 検査 保守 整備 配送 宅配 元請 下請 常連 派遣 近所 担任 親方 役所 職人 隣人 友人 知人 主人 他人 "
    "恋人 老人 素人 玄人 新人 名人 達人 店舗 団体 取引 業界 地域 地元 近隣".split()
)
# A small list of the most common family names, for 佐藤 花子 (a space, no honorific) and 佐藤社長様.
_SURNAMES = frozenset(
    "佐藤 鈴木 高橋 田中 伊藤 渡辺 渡邊 山本 中村 小林 加藤 吉田 山田 佐々木 山口 松本 井上 木村 林 斎藤 斉藤 清水 山崎 森 池田 "
    "橋本 阿部 石川 山下 中島 石井 小川 前田 岡田 長谷川 藤田 後藤 近藤 村上 遠藤 青木 坂本 福田 太田 西村 藤井 金子 岡本 藤原 "
    "中野 三浦 原田 中川 松田 竹内 小野 田村 中山 和田 石田 森田 上田 原 柴田 酒井 工藤 横山 宮崎 宮本 内田 高木 安藤 島田 谷口 "
    "大野 丸山 今井 高田 藤本 河野 小島 村田 武田 山内 上野 杉山 増田 小山 大塚 平野 菅原 久保 松井 千葉 岩崎 桜井 木下 野口 "
    "松尾 菊地 野村 新井 渡部 服部 岡部 田所 緒方 麻生 北村 吉川 山中 平田 大西 西田 菅野 中田 市川 浅野 荒木 関 本田".split()
)
_KATAKANA_NOT_NAMES = tuple(sorted(
    (fold(word) for word in (
        "ユーザー ユーザ メーカー ベンダー パート バイト アルバイト デザイナー エンジニア ドライバー オーナー スタッフ ゲスト "
        "メンバー クライアント パートナー ママ パパ ファン プロ サポーター オペレーター カスタマー ショップ サロン ホテル "
        "センター チーム マネージャー マネジャー リーダー トレーナー コーチ インストラクター ライター カメラマン ヘルパー "
        "ナース ドクター コンサルタント テナント ストア サービス ベテラン ルーキー シェフ オーナーシェフ バイヤー セラー "
        "ホスト キャスト モデル アーティスト クリエイター プログラマー テスター サプライヤー ディーラー エージェント".split())),
    key=len, reverse=True))
_LABEL = re.compile(
    r"(?:氏名|お名前|名前|ご担当者名?|担当者名?|契約者名?|申込者名?|依頼者名?|代表者名?|顧客名|お客様名|社員名|受取人|差出人|"
    r"宛名|患者名|保護者名?|ふりがな) ?(?:\([^)]{0,6}\))? ?: ?"
)
_LABEL_NAME = re.compile(rf"[{_KANJI}{_KANA}]{{1,6}}(?: [{_KANJI}{_KANA}]{{1,6}})?")
_AFTER_SURNAME = re.compile("\\(|" + "|".join(sorted(_ROLES, key=len, reverse=True)))
# Family names that are also places: 千葉（本社） is a branch, not a person.
_PLACE_SURNAMES = frozenset("千葉 宮崎 上野 中野 市川 大塚 平野 原 関 長野 岡山 福島 松本 横山".split())
_LONGEST_KANJI_RUN = 7  # before an honorific; a longer run of kanji is a compound noun, not a name
_TWO_WORDS = re.compile(rf"[{_KANJI}][{_KANJI}]{{0,3}} [{_KANJI}]{{1,3}}(?![{_KANJI}])")


def scan(text: str, secrets: Sequence[tuple[str, str]] = ()) -> list[Finding]:
    """Everything in `text` that looks like personal or confidential data, sorted by start.

    `secrets` are (exact planted text, label) pairs from an exercise; they are
    found in any width, script (ヤマダ = やまだ) or spacing. Overlapping
    findings are merged: a secret beats a checked number, which beats a phone,
    e-mail or account, which beats an address, which beats a name.
    """
    if not text:
        return []
    key, origin = fold_with_map(text)
    found = _Found(text, key, origin)
    found.secrets(secrets)
    found.phones()
    found.numbers()
    found.emails()
    found.addresses()
    found.bank_accounts()
    found.names()
    return found.merged()


class _Found:
    """The findings of one scan, collected in the key and mapped back onto the text."""

    def __init__(self, text: str, key: str, origin: list[int]) -> None:
        self.text, self.key, self.origin = text, key, origin
        self.items: list[Finding] = []

    def add(self, kind: str, start: int, end: int, label: str = "", *, in_key: bool = True,
            one_line: bool = False) -> None:
        if in_key:
            while start < end and self.key[start] == " ":
                start += 1
            while end > start and self.key[end - 1] == " ":
                end -= 1
            start, end = original_span(self.origin, self.text, start, end)
        if start >= end:
            return
        if one_line and "\n" in self.text[start:end]:
            return
        self.items.append(Finding(kind, start, end, self.text[start:end], label))

    def merged(self) -> list[Finding]:
        """The findings that win where they overlap, sorted by start."""
        starts: list[int] = []  # of the chosen findings, sorted; they never overlap, so their ends sort too
        chosen: list[Finding] = []
        for item in sorted(self.items, key=lambda f: (_RANK[f.kind], f.start - f.end, f.start)):
            index = bisect.bisect_left(starts, item.start)
            if index < len(starts) and starts[index] < item.end:
                continue  # a chosen finding starts inside this one
            if index > 0 and chosen[index - 1].end > item.start:
                continue  # the chosen finding before this one reaches into it
            starts.insert(index, item.start)
            chosen.insert(index, item)
        return chosen

    # -- secrets --

    def secrets(self, secrets: Sequence[tuple[str, str]]) -> None:
        for secret, label in secrets:
            pattern = _secret_pattern(secret)
            if pattern is None:
                continue
            for match in pattern.finditer(self.key):
                self.add("secret", match.start(), match.end(), label)

    # -- numbers --

    def phones(self) -> None:
        import phonenumbers  # imported on first scan, not at every command's start

        # Only where digits cluster: the matcher is the slowest part of a scan over ordinary prose.
        for region in _PHONE_REGION.finditer(self.text):
            for match in phonenumbers.PhoneNumberMatcher(region.group(), "JP"):
                start, end = region.start() + match.start, region.start() + match.end
                number = self.text[start:end]
                if number[0] in "(（" and not any(ch in number for ch in ")）"):
                    start += 1  # 電話（03-1234-5678）: the bracket belongs to the sentence
                self.add("phone", start, end, in_key=False, one_line=True)

        # The library only knows allocated blocks; a number in the Japanese shape in an unallocated
        # one (090-0000-1234, as fictional material uses) is still a phone number someone typed.
        for shape in _JP_PHONE_SHAPE.finditer(self.key):
            digits = re.sub(r"\D", "", shape.group())
            if len(digits) in (10, 11):
                self.add("phone", shape.start(), shape.end(), one_line=True)

    def numbers(self) -> None:
        for run in _DIGIT_RUN.finditer(self.key):
            self._numbers_in(max(0, run.start() - 1), min(len(self.key), run.end() + 2))

    def _numbers_in(self, pos: int, endpos: int) -> None:
        key = self.key
        for match in _MY_NUMBER.finditer(key, pos, endpos):
            digits = re.sub(r"\D", "", match.group())
            near = key[max(0, match.start() - 30):match.end() + 10]
            if my_number_is_valid(digits) or any(word in near for word in _MY_NUMBER_WORDS):
                self.add("my_number", match.start(), match.end(), one_line=True)
        for match in _CORPORATE_NUMBER.finditer(key, pos, endpos):
            if corporate_number_is_valid(re.sub(r"\D", "", match.group())):
                self.add("corporate_number", match.start(), match.end(), one_line=True)
        for match in _CARD.finditer(key, pos, endpos):
            digits = re.sub(r"\D", "", match.group())
            if len(digits) == 13 and digits == match.group() and _ean13_is_valid(digits):
                continue  # a JAN / EAN-13 barcode (4901234567894), not a 13-digit card
            if 13 <= len(digits) <= 19 and len(set(digits)) > 1 and luhn_is_valid(digits):
                self.add("credit_card", match.start(), match.end(), one_line=True)

    def emails(self) -> None:
        if "@" not in self.key:
            return
        for match in _EMAIL.finditer(self.key):
            self.add("email", match.start(), match.end())

    # -- addresses --

    def addresses(self) -> None:
        key = self.key
        spans: list[tuple[int, int]] = []
        for block in _BLOCK_AT.finditer(key):
            number = block.group("number")
            if not (number.isdigit() and len(number) <= 4 or number.isdigit() and "番地" in block.group()
                    or not any(ch.isdigit() for ch in number) and "丁目" in block.group()):
                continue
            if block.start() and key[block.start() - 1] in _DIGITS_AND_DASHES:
                continue
            window = max(0, block.start() - 40, spans[-1][1] if spans else 0)
            if block.group("dashes") and not any(ch in key[window:block.start()] for ch in "都道府県市区町村郡"):
                continue
            match = _ADDRESS.search(key, window, block.end())
            if not match:
                continue
            start = match.start()
            towns = match.group("towns").replace(" ", "")
            if match.group("pref"):
                start = match.start("pref")
            else:
                cut = max(key.rfind(ch, start, block.start()) for ch in _PARTICLES)
                start = cut + 1 if cut >= 0 else start
                while start < block.start() and "ぁ" <= key[start] <= "ゖ":
                    start += 1
            has_town = bool(towns) and not _only_city_words(towns)
            if block.group("dashes") and not (match.group("pref") or (has_town and block.group("third"))):
                continue
            if start >= block.start():
                continue  # 3丁目, 5番地 alone: no place, no address
            spans.append((start, match.end()))
        blocks = sorted(spans)
        for code in _POSTAL_CODE.finditer(key):
            if code.group()[0] != "〒" and code.start() and key[code.start() - 1] in _DIGITS_AND_DASHES:
                continue
            end = code.end()
            place = _PLACE_AFTER_CODE.match(key, end)
            if place and place.end() > end:
                end = place.end()
            # An address found above that starts right after the code (or contains its end) belongs to it.
            index = bisect.bisect_left(blocks, (code.start(), -1))
            follows = [stop for begin, stop in blocks[index:index + 3] if begin <= end + 2 and stop >= code.end()]
            if follows:
                end = max(end, *follows)
            elif not code.group().startswith("〒") and end == code.end():
                continue  # NNN-NNNN alone could be any code: only with 〒 or a place after it
            spans.append((code.start(), end))
        for start, end in spans:
            self.add("postal_address", start, end)

    def bank_accounts(self) -> None:
        key = self.key
        done = 0
        for hint in _BANK_HINT.finditer(key):
            if hint.start() < done or not _DIGITS_FOLLOW.search(key, hint.end(), hint.end() + 30):
                continue
            match = _BANK_ACCOUNT.search(key, max(0, hint.start() - 40, done), min(len(key), hint.end() + 30))
            if not match or match.end() <= hint.start():
                continue
            done = match.end()
            start = match.start()
            cut = max(key.rfind(ch, start, match.end()) for ch in _PARTICLES)
            if cut >= 0 and not any(ch.isdigit() for ch in key[start:cut]):
                start = cut + 1
            self.add("bank_account", start, match.end())

    # -- names --

    def names(self) -> None:
        for match in _AFTER_SURNAME.finditer(self.key):
            # 鈴木部長, 山田（営業）: a common family name right before a title or a bracket.
            run = match.start()
            while run > 0 and match.start() - run < 4 and _is_kanji(self.key[run - 1]):
                run -= 1
            surname = self.key[run:match.start()]
            if match.group() == "(" and surname in _PLACE_SURNAMES:
                continue
            if surname in _SURNAMES and (run == 0 or not _is_kanji(self.key[run - 1])):
                self.add("person_name", run, match.start())
        for match in _HONORIFIC.finditer(self.key):
            span = self._name_before(match.start(), match.group())
            if span:
                self.add("person_name", *span)
        for match in _LABEL.finditer(self.key):
            span = self._name_after_label(match.end())
            if span:
                self.add("person_name", *span)
        for match in _TWO_WORDS.finditer(self.key):
            family, given = match.group().split(" ")
            end = match.end()
            if given[-1] in "様殿氏君":
                given, end = given[:-1], end - 1  # 山田 太郎様: the honorific is not part of the name
            # 営業部佐藤 花子: the family name may end a longer run of kanji.
            known = next((family[i:] for i in range(len(family)) if family[i:] in _SURNAMES), None)
            if known and given and not _is_role_or_word(given):
                self.add("person_name", end - len(given) - 1 - len(known), end)

    def _origin_char(self, index: int) -> str:
        return self.text[self.origin[index]]

    def _name_before(self, end: int, honorific: str) -> tuple[int, int] | None:
        key = self.key
        if honorific in ("さん", "くん") and _is_katakana(self._origin_char(end)):
            after = end + 2
            if after < len(key) and _is_katakana(self._origin_char(after)):
                return None  # サンプル, サンダル, クンロク: not an honorific
        stop = end - 1 if end > 0 and key[end - 1] == " " else end
        if stop > 0 and key[stop - 1] == ")":
            # 山田花子（やまだ はなこ）さん: the name, and its reading with it.
            opening = key.rfind("(", max(0, stop - 24), stop)
            if opening > 0 and _is_kanji(key[opening - 1]):
                span = self._name_before(opening, honorific)
                return (span[0], stop) if span else None
            return None
        start = stop
        while start > 0 and stop - start <= _LONGEST_KANJI_RUN and _is_kanji(key[start - 1]):
            start -= 1
        if start < stop:
            return self._kanji_name(start, stop, honorific)
        while start > 0 and stop - start <= 12 and _is_katakana(self._origin_char(start - 1)):
            start -= 1
        if stop - start < 2 or stop - start > 12:
            return None
        name = key[start:stop]
        if name.strip("ー・") != name or name.endswith(_KATAKANA_NOT_NAMES):
            return None
        return start, stop

    def _kanji_name(self, start: int, stop: int, honorific: str) -> tuple[int, int] | None:
        key = self.key
        name = key[start:stop]
        if name in _SURNAMES:
            return start, stop
        word = name + honorific
        if any(word[-size:] in _HONORIFIC_WORDS for size in range(2, 5)):
            return None
        role = next((name[-size:] for size in (5, 4, 3, 2) if name[-size:] in _ROLES), None)
        if role:
            name = name[:-len(role)]
            stop -= len(role)
            if not name or not _starts_with_surname(name) or len(name) > 4:
                return None
        if name in _NOT_NAMES or (name[-1] in _NOT_NAME_ENDINGS and name not in _SURNAMES):
            return None
        if name.endswith(_COMPANY_WORDS) and not _starts_with_surname(name):
            return None
        if (name.endswith("部") or name.endswith("所")) and len(name) >= 3 and not _starts_with_surname(name):
            return None
        if len(name) > 4 and not (len(name) <= 6 and _starts_with_surname(name)):
            return None
        # 山田 太郎様: a family name, one space, then the given name.
        if len(name) <= 3 and start >= 2 and key[start - 1] == " " and _is_kanji(key[start - 2]):
            family_start = start - 1
            while family_start > 0 and start - family_start <= 4 and _is_kanji(key[family_start - 1]):
                family_start -= 1
            family = key[family_start:start - 1]
            if len(family) <= 3 and not _is_role_or_word(family) and family[-1] not in _NOT_NAME_ENDINGS:
                start = family_start
        return start, stop

    def _name_after_label(self, start: int) -> tuple[int, int] | None:
        match = _LABEL_NAME.match(self.key, start)
        if not match:
            return None
        words = match.group().split(" ")
        begin = start
        if len(words) == 2 and (_is_role_or_word(words[0]) or words[0][-1] in "部課室係班"):
            begin += len(words[0]) + 1  # 営業部 田中: the department is not the name
            words = words[1:]
        end = begin + len(" ".join(words))
        for honorific in ("様", "さん", "殿", "氏"):
            if self.key.startswith(honorific, end - len(honorific)) and end - len(honorific) > begin:
                end -= len(honorific)
                break
        name = self.key[begin:end]
        if not name or _is_role_or_word(name.split(" ")[0]):
            return None
        if all("ぁ" <= self._origin_char(i) <= "ゖ" for i in range(begin, end) if self.key[i] != " "):
            return None  # 氏名：なし, 担当者：みんな: hiragana after a label is rarely a name
        return begin, end


def _is_kanji(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or ch in "々〆ゖゕ"


def _starts_with_surname(name: str) -> bool:
    return any(name.startswith(surname) for surname in _SURNAMES)


def _is_role_or_word(word: str) -> bool:
    return word in _NOT_NAMES or any(word[-size:] in _ROLES for size in (5, 4, 3, 2)) or word[-1] in "長者員"


def _only_city_words(towns: str) -> bool:
    return all(part in _CITY_WORDS for part in re.findall(rf"{_PLACE}*?[市区町村郡]", towns))


# 0A-BCDE-FGHJ, 0AB-CDE-FGHJ, 0ABC-DE-FGHJ, 0ABCD-E-FGHJ, 0X0-ABCD-EFGH (on the folded key: ASCII digits).
_JP_PHONE_SHAPE = re.compile(rf"(?<![\d{_DASH}])0\d{{1,4}}[{_DASH} ]\d{{1,4}}[{_DASH} ]\d{{4}}(?![\d{_DASH}])")
_PHONE_REGION = re.compile(r"[0-9０-９+＋(（][0-9０-９ \u3000()（）\-‐‑‒–—―−ー－ｰ]{7,}[0-9０-９]")


@lru_cache(maxsize=256)
def _secret_pattern(secret: str) -> re.Pattern[str] | None:
    """A pattern over the key for one planted secret, in any width, script or spacing."""
    folded = fold(secret).replace(" ", "")
    digits = re.sub(f"[{_DASH}()]", "", folded)
    if digits.isdigit():
        folded = digits  # 03-1234-5678 also as 0312345678 or 03 1234 5678
    if not folded:
        return None
    parts: list[str] = []
    for index, ch in enumerate(folded):
        if index:
            both_digits = ch.isdigit() and folded[index - 1].isdigit()
            parts.append(f"[ {_DASH}()]{{0,3}}" if both_digits else " ?")
        parts.append(re.escape(ch))
    body = "".join(parts)
    if folded[0].isdigit():
        body = r"(?<!\d)" + body
    if folded[-1].isdigit():
        body += r"(?!\d)"
    return re.compile(body)
