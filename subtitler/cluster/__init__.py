"""Jobs on Celery workers: many machines, one queue, the watch ledger still the truth.

The coordinator (`subtitler watch --broker`, or `subtitler run --broker` while it waits) is the only writer of the
ledger; workers (`subtitler worker`) run whole jobs through the same stages as `run`, on inputs and outputs in a
folder every machine mounts. No video byte goes through the broker: a message names the input, the output folder
and the preset.

- `config`: the broker URL (flag, SUBTITLER_BROKER or the config file), the Celery settings and the time limits.
- `message`: the job a message carries, parsed strictly (a message that is not a job is rejected, never run).
- `record`: the task file a worker keeps in the job's output folder (deliveries, outcome), read by the coordinator.
- `app`: the Celery application and the task.
- `work`: what a worker does with one message.
- `pool`: the coordinator's side: submit, follow events, reconcile from the task files.
"""
