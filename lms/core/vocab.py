"""The one vocabulary: every fixed list of codes the features share.

Codes are stored; labels are English msgids translated where a person reads
them. Industry codes are the ones of the course format
(shared/spec/course-format.md) and are shared by courses, companies,
exercises and the use-case catalog; prefectures use the JIS X 0401 numbering;
the check-in lists follow the 2025 survey of regional SME presidents.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

# --- Industries, departments and company facts -------------------------------

INDUSTRY_CODES: tuple[str, ...] = (
    "all", "manufacturing", "construction", "retail", "food_service", "services",
    "professional", "it", "healthcare_welfare", "logistics", "real_estate", "wholesale", "accommodation",
    "agriculture",
)

# Departments / functions a piece of work belongs to (exercises, the use-case
# catalog). Stored as written: they are Japanese words trainers type in files.
DEPARTMENTS: tuple[str, ...] = (
    "経営", "営業", "マーケティング", "EC", "顧客対応", "経理", "人事", "総務", "情報システム",
    "製造", "施工", "店舗", "介護", "運行管理",
)

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
    "accommodation": _l("Accommodation"),
    "agriculture": _l("Agriculture"),
}

# --- The use-case catalog (usecases/<id>.md) ----------------------------------------

USECASE_TASK_TYPES = {
    "writing": _l("Writing documents"),
    "summarizing": _l("Summarising and organising"),
    "translation": _l("Translation"),
    "research": _l("Looking things up"),
    "ideas": _l("Planning and ideas"),
    "data": _l("Data totals and analysis"),
    "checking": _l("Checking"),
    "customer": _l("Enquiries and customer service"),
    "image": _l("Images and design"),
    "automation": _l("Automation"),
    "voice": _l("Voice and conversation"),
}

USECASE_TOOLS = {
    "chat": _l("Chat AI"),
    "office": _l("AI in Office or Google Workspace"),
    "meeting": _l("Minutes and transcription"),
    "image": _l("Image generation"),
    "search": _l("Search AI"),
    "automation": _l("Automation tools"),
    "voice": _l("Voice AI"),
    "bot": _l("Bot answering from company documents"),
}

USECASE_LEVELS = {
    "beginner": _l("First steps"),
    "intermediate": _l("Once used to it"),
    "systematic": _l("Making it a system"),
}

DATA_CLASSES = {
    "public": _l("Public information"),
    "internal": _l("Internal information"),
    "confidential": _l("Confidential and business-partner information"),
    "personal": _l("Personal data"),
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


# --- The weekly check-in --------------------------------------------------------

# Led by the survey's top three tasks wanted for AI (Q9), then everyday office work.
TASKS = {
    "quotes": _l("Quotes and contracts"),
    "sales": _l("Sales materials"),
    "documents": _l("Internal documents and minutes"),
    "email": _l("Email"),
    "research": _l("Looking things up"),
    "ideas": _l("Planning and ideas"),
    "data": _l("Data totals and analysis"),
    "translation": _l("Translation"),
    "other": _l("Other"),
}

# The survey's reasons for not adopting (Q6), as the employee meets them.
BARRIERS = {
    "unclear_use": _l("I don't know what to use it for"),
    "unclear_benefit": _l("I can't see the benefit"),
    "security": _l("Worried about security"),
    "skills": _l("Not enough skill"),
    "no_help": _l("No one to ask"),
    "other": _l("Other"),
}

MINUTES_LABELS = (
    _l("None"),
    _l("Under 15 minutes"),
    _l("15–30 minutes"),
    _l("30–60 minutes"),
    _l("1–2 hours"),
    _l("Over 2 hours"),
)

# Company-defined tasks are stored with this prefix so they never collide with the codes above.
CUSTOM_TASK = "custom:"


def task_label(code: str) -> str:
    if code.startswith(CUSTOM_TASK):
        return code[len(CUSTOM_TASK):]
    return str(TASKS.get(code, code))


def barrier_label(code: str) -> str:
    return str(BARRIERS.get(code, code))


def stage_label(stage: int) -> str:
    # The survey's own wording (Q2), kept in Japanese in both languages' catalogs.
    labels = (
        _l("Not doing anything yet"),
        _l("Employees use it personally"),
        _l("Introduced in some departments"),
        _l("Introduced company-wide"),
    )
    return str(labels[stage])


REQUIREMENTS = {
    "someone_active": _l("Someone in the company uses AI for work at least one day a week."),
    "department_habitual": _l("In at least one department, the habitual share reaches the threshold."),
    "approved_tool": _l("The company approves an AI tool for work."),
    "most_departments": _l("More than half of the departments reach the habitual threshold."),
    "company_habitual": _l("The habitual share of the whole company reaches the threshold."),
    "ai_policy": _l("The company has an AI-use policy."),
    "training_for_all": _l("Training is planned or done for every employee."),
}
