"""What each ``ppf-neuro`` subcommand does, one module per command; ``ppf_neuro.cli`` only parses
the command line and calls ``run(args)`` here."""
