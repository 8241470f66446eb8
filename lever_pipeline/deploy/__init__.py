"""Running lever-pipeline as a multi-process deployment (Dagster + Celery), locally or on a fleet."""
