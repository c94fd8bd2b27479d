"""Extension objects, created unbound and attached in `create_app`."""
from typing import TYPE_CHECKING

from flask_babel import Babel
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from lms.db import Base

db = SQLAlchemy(model_class=Base)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()

# The base class of every model. At run time it is `db.Model` (Flask-SQLAlchemy's mixins on our `Base`);
# mypy cannot use an instance attribute as a base class (python/mypy#8603), so it sees the same two classes.
if TYPE_CHECKING:
    from flask_sqlalchemy.model import Model as _FlaskModel

    class Model(_FlaskModel, Base):
        __abstract__ = True
else:
    Model = db.Model
