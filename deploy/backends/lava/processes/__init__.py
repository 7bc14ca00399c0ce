"""Lava Processes and ProcessModels of ppf-neuro (imported by Lava in its child processes by module name)."""
