"""The background task worker's health: heartbeats, the tasks of workers that died, a worker that survives locks.

`models` holds one heartbeat row per running worker, `health` answers "is a worker alive?" (for /healthz and
the import pages) and marks the tasks of dead workers failed, `runner` is the database worker `db_worker` runs.
"""
