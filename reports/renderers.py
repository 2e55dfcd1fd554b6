"""Registers each kind of background file with reports.jobs (imported by ReportsConfig.ready)."""
