"""Analysis of deployment reports: energy estimates, summaries and plots."""
