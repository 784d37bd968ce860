"""Shared fixtures. Domain fixtures live in ``conftest_d/`` and are imported here."""

from tests.conftest_d.accounts import *  # noqa: F403
from tests.conftest_d.app import *  # noqa: F403
from tests.conftest_d.database import *  # noqa: F403
from tests.conftest_d.gbfs_server import *  # noqa: F403
from tests.conftest_d.load import *  # noqa: F403
from tests.conftest_d.payments import *  # noqa: F403
from tests.conftest_d.redis_server import *  # noqa: F403
from tests.conftest_d.regions import *  # noqa: F403
from tests.conftest_d.sandbox import *  # noqa: F403
from tests.conftest_d.smtp import *  # noqa: F403
from tests.conftest_d.stripe_server import *  # noqa: F403
