"""Imports every model module so the metadata is complete (for Alembic and tests)."""
from lms.accounts.models import LoginCounter, RosterImport, TrainerAssignment, User, UserRole, UserSession, UserToken  # noqa: F401
from lms.audit.models import AuditEvent  # noqa: F401
from lms.mail.models import EmailMessage  # noqa: F401
from lms.orgs.models import Department, Organization  # noqa: F401
from lms.courses.models import Course, CourseAsset, CourseModule, Lesson, LessonRevision  # noqa: F401
from lms.learning.models import CourseCompletion, LessonProgress, QuizAttempt  # noqa: F401
from lms.cohorts.models import Cohort, CohortCourse, CohortMember, CohortTrainer, ModuleOpening, SessionAttendance  # noqa: F401
from lms.scheduler.models import JobSlot  # noqa: F401
from lms.adoption.models import AdoptionSettings, UsageBaseline, UsageCheckin, UsageCheckinRevision, UsageCount, UsageRollup  # noqa: F401
from lms.exercises.models import Exercise, ExerciseRevision  # noqa: F401
from lms.llm.models import LLMRequest, LLMUsage  # noqa: F401
from lms.usecases.models import Usecase, UsecaseRevision, UsecaseTag  # noqa: F401
from lms.usage.models import UsageEvent, UsageImport, UsageMapping, UsageTelemetry  # noqa: F401
from lms.api.models import ApiRateWindow, ApiToken  # noqa: F401
from lms.xapi.models import XapiStatement  # noqa: F401
