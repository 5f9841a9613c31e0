"""Supervisor reports: queries, output (CSV/XLSX/HTML/chart) and scheduled sending."""
