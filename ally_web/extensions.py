"""Flask extensions, created unbound and bound in create_app()."""

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase, registry

from ally_web.db_types import UTCDateTime

# Named constraints keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    # Every `Mapped[datetime]` is an aware UTC datetime, on SQLite too.
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime},
    )


db = SQLAlchemy(model_class=Base)
migrate = Migrate(render_as_batch=True, compare_type=True)
csrf = CSRFProtect()
login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address)


class _StoreOutageIsAnError(logging.Filter):
    """Flask-Limiter says its shared store is unreachable (and that it falls back to
    counting in each process, RATELIMIT_IN_MEMORY_FALLBACK_ENABLED) at warning level.
    For the store that is an outage someone must see: it is logged as an error."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno == logging.WARNING and "storage unreachable" in record.getMessage().lower():
            record.levelno, record.levelname = logging.ERROR, logging.getLevelName(logging.ERROR)
        return True


logging.getLogger("flask-limiter").addFilter(_StoreOutageIsAnError())

# The base class of every model. Flask-SQLAlchemy makes `db.Model` at run time, which
# a type checker cannot see; it sees the declarative base it is built on instead.
if TYPE_CHECKING:
    class Model(Base):
        __abstract__ = True
else:
    Model = db.Model
