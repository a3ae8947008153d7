"""Execution environments: the learner's real handler in a subprocess, driven by our Runtime API.

``RuntimeService`` is the only entry point the lab uses; it never imports moto.
"""

from lambdalab.runtime.environment import LogSink
from lambdalab.runtime.faults import CapacityExceeded, Superseded
from lambdalab.runtime.service import EnvironmentInfo, RuntimeService

__all__ = ["CapacityExceeded", "EnvironmentInfo", "LogSink", "RuntimeService", "Superseded"]
