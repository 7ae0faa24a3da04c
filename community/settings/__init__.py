"""Settings, split by concern; every value from the environment is read in env.py."""

from .base import *  # noqa: F403
from .channels import *  # noqa: F403
from .content import *  # noqa: F403
from .invites import *  # noqa: F403
from .search import *  # noqa: F403
from .security import *  # noqa: F403
from .tasks import *  # noqa: F403
from .wagtail import *  # noqa: F403
