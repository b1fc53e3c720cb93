"""The engine: ``simulate`` and what it records."""

from .record import Record as Record
from .simulate import simulate as simulate
