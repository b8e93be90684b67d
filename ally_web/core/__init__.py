"""The core every other layer stands on: the store clock, domain errors, email
addresses, pages of results and the lifecycle tables' machinery.

Nothing here imports anything else of the app (an import-linter contract checks it),
so models, gateways and services can all use it without a cycle.
"""
