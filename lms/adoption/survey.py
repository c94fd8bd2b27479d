"""The 2025 survey of 302 regional SME presidents, for "where the company stands".

Source: 地方中小企業の生成AI活用実態調査 2025 (株式会社LOG, internet survey 2025-09-25..30),
as recorded in ../shared/data/survey-2025-regional-sme.json. The survey publishes only the
two ends of Q2; the two middle stages are given together (100 - 55.4 - 9.9), never split.
"""
from typing import TypedDict

from lms.adoption.rules import Stage


class Survey(TypedDict):
    respondents: int
    source: str
    stages: dict[Stage, float]  # share of respondents (%) at the stages the survey publishes
    middle_stages_together: float


SURVEY: Survey = {
    "respondents": 302,
    "source": "地方中小企業の生成AI活用実態調査 2025（株式会社LOG、2025年9月、中小企業経営者302名）",
    "stages": {Stage.NOTHING: 55.4, Stage.COMPANY_WIDE: 9.9},
    "middle_stages_together": 34.7,
}
