"""The local guild simulator: the real bot against a simulated Discord (tests and `console`)."""

from bot.simulator.harness import Simulator, SimulatorError, Step

__all__ = ["Simulator", "SimulatorError", "Step"]
