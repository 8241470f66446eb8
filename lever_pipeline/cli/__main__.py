"""`python -m lever_pipeline.cli`: the same command as the `lever-pipeline` script."""

from lever_pipeline.cli.main import main

main()
