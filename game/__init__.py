"""The Electric Maze rules: pure, deterministic and event-sourced.

Commands (game.commands) are decided into events (game.rules.decide); state is a fold over
events (game.state.fold); game.projections decides what each audience sees; game.metrics
computes the debrief from the event log. Nothing here does I/O or reads the clock.
"""
