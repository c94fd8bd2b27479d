"""Fixed vocabularies for companies: industry codes, size bands, prefectures.

Industry codes are the ones of the course format (shared/spec/course-format.md);
prefectures use the JIS X 0401 numbering.
"""
from flask_babel import lazy_gettext as _l

INDUSTRIES = {
    "manufacturing": _l("Manufacturing"),
    "construction": _l("Construction"),
    "retail": _l("Retail"),
    "food_service": _l("Food service"),
    "services": _l("Services"),
    "professional": _l("Professional services"),
    "it": _l("IT"),
    "healthcare_welfare": _l("Healthcare and welfare"),
    "logistics": _l("Logistics"),
    "real_estate": _l("Real estate"),
    "wholesale": _l("Wholesale"),
}

EMPLOYEE_BANDS = {
    "1-9": _l("1–9 employees"),
    "10-29": _l("10–29 employees"),
    "30-49": _l("30–49 employees"),
    "50-99": _l("50–99 employees"),
    "100-299": _l("100–299 employees"),
    "300+": _l("300 or more employees"),
}

# (code, Japanese, English)
PREFECTURES = [
    (1, "北海道", "Hokkaido"), (2, "青森県", "Aomori"), (3, "岩手県", "Iwate"),
    (4, "宮城県", "Miyagi"), (5, "秋田県", "Akita"), (6, "山形県", "Yamagata"),
    (7, "福島県", "Fukushima"), (8, "茨城県", "Ibaraki"), (9, "栃木県", "Tochigi"),
    (10, "群馬県", "Gunma"), (11, "埼玉県", "Saitama"), (12, "千葉県", "Chiba"),
    (13, "東京都", "Tokyo"), (14, "神奈川県", "Kanagawa"), (15, "新潟県", "Niigata"),
    (16, "富山県", "Toyama"), (17, "石川県", "Ishikawa"), (18, "福井県", "Fukui"),
    (19, "山梨県", "Yamanashi"), (20, "長野県", "Nagano"), (21, "岐阜県", "Gifu"),
    (22, "静岡県", "Shizuoka"), (23, "愛知県", "Aichi"), (24, "三重県", "Mie"),
    (25, "滋賀県", "Shiga"), (26, "京都府", "Kyoto"), (27, "大阪府", "Osaka"),
    (28, "兵庫県", "Hyogo"), (29, "奈良県", "Nara"), (30, "和歌山県", "Wakayama"),
    (31, "鳥取県", "Tottori"), (32, "島根県", "Shimane"), (33, "岡山県", "Okayama"),
    (34, "広島県", "Hiroshima"), (35, "山口県", "Yamaguchi"), (36, "徳島県", "Tokushima"),
    (37, "香川県", "Kagawa"), (38, "愛媛県", "Ehime"), (39, "高知県", "Kochi"),
    (40, "福岡県", "Fukuoka"), (41, "佐賀県", "Saga"), (42, "長崎県", "Nagasaki"),
    (43, "熊本県", "Kumamoto"), (44, "大分県", "Oita"), (45, "宮崎県", "Miyazaki"),
    (46, "鹿児島県", "Kagoshima"), (47, "沖縄県", "Okinawa"),
]


def prefecture_label(code: int | None, locale: str) -> str:
    """The prefecture's name in the given UI language ("" for none)."""
    for number, ja, en in PREFECTURES:
        if number == code:
            return ja if locale == "ja" else en
    return ""
