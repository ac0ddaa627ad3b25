"""Data only: the compact Discord API description the simulator checks its traffic against.

See README.md in this folder (source, commit, licence) and `bot.simulator.conformance`.
"""
