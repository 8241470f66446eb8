"""The project's web service: the signed Lever webhook receiver and a small read API.

`create_app(settings, engine)` builds the FastAPI app; `lever-pipeline serve` runs it
under uvicorn. Heavy work never runs in a request: the receiver stores each event and
answers, and the Dagster sensor does the refreshing.
"""
