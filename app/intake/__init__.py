"""Ways records come in from other systems: batch intake by API and CSV/XLSX file imports."""
